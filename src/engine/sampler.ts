/**
 * The rectified-flow denoising loop (Open-Sora v1.2 RFLOW) with a pluggable cache policy.
 * Per step: embed -> the policy decides -> the block stack (compute: keep R = h_out - h;
 * reuse: h_out = h + R) -> final layer -> CFG (batch [cond, uncond]) -> Euler update. A reused
 * step whose decision needs nothing from embed runs all of that as the package's skip graph.
 * The loop never knows which policy runs; tensors stay on the backend.
 */
import type { CachePolicy } from '../cache/policy.ts';
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

/** Runs the loop; returns the final latent (device tensor, owned by the caller) and the step records. */
export async function sample(inp: SamplerInputs, hooks: SamplerHooks = {}): Promise<{ z: DeviceTensor; records: StepRecord[] }> {
  const { model, size, policy } = inp;
  const backend: Backend = model.backend;
  const ops = backend.ops;
  const records: StepRecord[] = [];
  let z = inp.z0;
  let residual: DeviceTensor | null = null;
  const fpsT = backend.upload(Float32Array.of(inp.fps, inp.fps), [2]);
  try {
    for (let i = 0; i < inp.timesteps.length; i++) {
      checkAbort(hooks.signal);
      const started = now();
      const step = i + 1;
      const t = inp.timesteps[i]!;
      const dt = stepDt(inp.timesteps, i);
      const tFrac = Math.fround(t / 1000);
      let next: DeviceTensor;
      let x0: DeviceTensor | null = null;
      let record: StepRecord;
      // A policy that decides without the tea input is asked first: a reused step then runs
      // as the one skip graph instead of embed + final + three kernels.
      const early = policy.needsTeaInput ? null : await policy.decide(step, null);
      if (early && !early.compute && residual && model.hasSkipGraph) {
        record = { step, timestep: t, computed: false, ms: 0 };
        if (early.distance !== undefined) record.distance = early.distance;
        const r = await model.skipStep(size, { z, timestep: t, fps: inp.fps, residual, guidance: inp.cfg, dt, tFrac, wantX0: hooks.wantX0 === true });
        next = r.z_next;
        x0 = r.x0 ?? null;
      } else {
        const x = ops.concat0([z, z]);
        const tT = backend.upload(Float32Array.of(t, t), [2]);
        let e: EmbedOutputs;
        try {
          e = await model.embed(size, x, tT, fpsT, inp.y, policy.needsTeaInput);
        } finally {
          backend.release(x);
          backend.release(tT);
        }
        const decision = early ?? (await policy.decide(step, e.tea_input ?? null));
        record = { step, timestep: t, computed: decision.compute, ms: 0 };
        if (decision.distance !== undefined) record.distance = decision.distance;
        let hOut: DeviceTensor;
        if (decision.compute || !residual) {
          record.computed = true;
          const s = await model.stack(size, e, inp.mask, inp.probeBlock);
          hOut = s.h_out;
          if (residual) backend.release(residual);
          residual = ops.sub(hOut, e.h);
          const note = await policy.observe(step, s.probe);
          Object.assign(record, note);
        } else {
          hOut = ops.add(e.h, residual);
        }
        const out = await model.final(size, hOut, e.t_emb);
        for (const k of ['h', 't_mlp', 't_emb', 'y_emb'] as const) backend.release(e[k]);
        backend.release(hOut);
        const v = ops.guidance(out, inp.channels, inp.cfg);
        backend.release(out);
        x0 = hooks.wantX0 ? ops.axpy(z, v, tFrac) : null;
        next = ops.axpy(z, v, dt);
        backend.release(v);
      }
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
    if (residual) backend.release(residual);
    backend.release(fpsT);
    policy.dispose();
  }
}
