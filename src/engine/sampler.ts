/**
 * The rectified-flow denoising loop (Open-Sora v1.2 RFLOW) with a pluggable cache policy.
 * Per step: embed -> the policy decides -> the block stack (compute: keep R = h_out - h;
 * reuse: h_out = h + R) -> final layer -> CFG (batch [cond, uncond]) -> Euler update. A reused
 * step whose decision needs nothing from embed runs all of that as the package's skip graph.
 * The loop never knows which policy runs; tensors stay on the backend.
 */
import type { CachePolicy, StepDecision } from '../cache/policy.ts';
import type { StepRecord } from './api.ts';
import type { Backend, DeviceTensor } from './backend.ts';
import { stepDt } from './schedule.ts';
import type { EmbedOutputs, SizeInputs, Stdit3Model } from './stdit3Model.ts';

export interface SamplerInputs {
  model: Stdit3Model;
  size: SizeInputs;
  /** z0 [1, C, T, H, W] (the sampler releases it when it is done with it). */
  z0: DeviceTensor;
  /** [2, 1, L, Cc]: conditional then unconditional caption. */
  y: DeviceTensor;
  /** [2, L] float 1/0. */
  mask: DeviceTensor;
  timesteps: readonly number[];
  fps: number;
  cfg: number;
  probeBlock: number;
  policy: CachePolicy;
  /** Latent channels the velocity has (the first half of the output when pred_sigma). */
  channels: number;
}

export interface SamplerHooks {
  /**
   * After each step; `x0` (the predicted clean latent z_t + t/1000 * v) is given only when
   * `wantX0` says so, and is released by the sampler after the hook returns.
   */
  onStep?(record: StepRecord, x0: DeviceTensor | null): Promise<void> | void;
  wantX0?: boolean;
  signal?: AbortSignal;
}

export class SamplerAbortedError extends Error {
  override name = 'AbortError';
  constructor() {
    super('the run was cancelled');
  }
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new SamplerAbortedError();
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** What one step leaves: its record, the next latent and (when asked) the preview's x0. */
interface StepOutcome {
  record: StepRecord;
  next: DeviceTensor;
  x0: DeviceTensor | null;
}

/** Per-step scalars: the timestep, the Euler step dt and t / 1000 for x0. */
interface StepTimes {
  step: number;
  t: number;
  dt: number;
  tFrac: number;
}

/** A reused step as the package's one skip graph. */
async function reuseWithSkipGraph(inp: SamplerInputs, z: DeviceTensor, residual: DeviceTensor, s: StepTimes, decision: StepDecision, wantX0: boolean): Promise<StepOutcome> {
  const record: StepRecord = { step: s.step, timestep: s.t, computed: false, ms: 0 };
  if (decision.distance !== undefined) record.distance = decision.distance;
  const r = await inp.model.skipStep(inp.size, { z, timestep: s.t, fps: inp.fps, residual, guidance: inp.cfg, dt: s.dt, tFrac: s.tFrac, wantX0 });
  return { record, next: r.z_next, x0: r.x0 ?? null };
}

/**
 * A step through the separate graphs: embed -> (the policy decides, unless it already has) ->
 * the block stack, or h + the cached residual -> final -> guidance -> Euler. Keeps the new
 * residual in `cache` after a computed step.
 */
async function stepThroughGraphs(
  inp: SamplerInputs,
  z: DeviceTensor,
  cache: { residual: DeviceTensor | null },
  fpsT: DeviceTensor,
  s: StepTimes,
  early: StepDecision | null,
  wantX0: boolean,
): Promise<StepOutcome> {
  const { model, size, policy } = inp;
  const backend = model.backend;
  const ops = backend.ops;
  const x = ops.concat0([z, z]);
  const tT = backend.upload(Float32Array.of(s.t, s.t), [2]);
  let e: EmbedOutputs;
  try {
    e = await model.embed(size, x, tT, fpsT, inp.y, policy.needsTeaInput);
  } finally {
    backend.release(x);
    backend.release(tT);
  }
  const decision = early ?? (await policy.decide(s.step, e.tea_input ?? null));
  const record: StepRecord = { step: s.step, timestep: s.t, computed: decision.compute, ms: 0 };
  if (decision.distance !== undefined) record.distance = decision.distance;
  let hOut: DeviceTensor;
  if (decision.compute || !cache.residual) {
    record.computed = true;
    const st = await model.stack(size, e, inp.mask, inp.probeBlock);
    hOut = st.h_out;
    if (cache.residual) backend.release(cache.residual);
    cache.residual = ops.sub(hOut, e.h);
    Object.assign(record, await policy.observe(s.step, st.probe));
  } else {
    hOut = ops.add(e.h, cache.residual);
  }
  const out = await model.final(size, hOut, e.t_emb);
  for (const k of ['h', 't_mlp', 't_emb', 'y_emb'] as const) backend.release(e[k]);
  backend.release(hOut);
  const v = ops.guidance(out, inp.channels, inp.cfg);
  backend.release(out);
  const x0 = wantX0 ? ops.axpy(z, v, s.tFrac) : null;
  const next = ops.axpy(z, v, s.dt);
  backend.release(v);
  return { record, next, x0 };
}

/** Runs the loop; returns the final latent (device tensor, owned by the caller) and the step records. */
export async function sample(inp: SamplerInputs, hooks: SamplerHooks = {}): Promise<{ z: DeviceTensor; records: StepRecord[] }> {
  const { model, policy } = inp;
  const backend: Backend = model.backend;
  const records: StepRecord[] = [];
  const wantX0 = hooks.wantX0 === true;
  let z = inp.z0;
  const cache: { residual: DeviceTensor | null } = { residual: null };
  const fpsT = backend.upload(Float32Array.of(inp.fps, inp.fps), [2]);
  try {
    for (let i = 0; i < inp.timesteps.length; i++) {
      checkAbort(hooks.signal);
      const started = now();
      const t = inp.timesteps[i]!;
      const s: StepTimes = { step: i + 1, t, dt: stepDt(inp.timesteps, i), tFrac: Math.fround(t / 1000) };
      // A policy that decides without the tea input is asked first: a reused step then runs
      // as the one skip graph instead of embed + final + three kernels.
      const early = policy.needsTeaInput ? null : await policy.decide(s.step, null);
      const { record, next, x0 } =
        early && !early.compute && cache.residual && model.hasSkipGraph
          ? await reuseWithSkipGraph(inp, z, cache.residual, s, early, wantX0)
          : await stepThroughGraphs(inp, z, cache, fpsT, s, early, wantX0);
      backend.release(z);
      z = next;
      record.ms = now() - started;
      records.push(record);
      try {
        await hooks.onStep?.(record, x0);
      } finally {
        if (x0) backend.release(x0);
      }
    }
    return { z, records };
  } catch (err) {
    backend.release(z);
    throw err;
  } finally {
    if (cache.residual) backend.release(cache.residual);
    backend.release(fpsT);
    policy.dispose();
  }
}
