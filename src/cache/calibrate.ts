/**
 * Calibration: pick AdaCache thresholds for a target speedup on a given model.
 *
 * 1. Baseline runs (every step computed) record the probe distance each step would have,
 *    d_s = sum|p_{s-1} - p_s| / sum|p_{s-1}| (rate 1, so already normalised).
 * 2. A schedule is simulated from those curves: after a compute at s0 with rate r, the next compute
 *    at s0 + r (or a forced step) sees the summed drift of the skipped steps divided by the rate,
 *    (d_{s0+1} + ... + d_s) / r, an upper estimate of the real distance (triangle inequality).
 * 3. The thresholds of a base codebook (the official fast one up to 50 steps, the 100-step one
 *    beyond) are scaled by one factor, found by bisection, so the mean predicted speedup
 *    (steps / computed steps) over the prompts reaches the target.
 */
import type { Codebook } from '../model/manifest.ts';
import type { GenerateRequest } from '../engine/api.ts';
import type { DeviceTensor } from '../engine/backend.ts';
import type { Engine } from '../engine/generate.ts';
import { BUILTIN_CODEBOOKS, lookupRate } from './codebook.ts';
import { PolicyError, type CachePolicy, type PolicyEnv, type PolicyNote, type StepDecision } from './policy.ts';

export class CalibrationError extends Error {
  override name = 'CalibrationError';
}

/** Computes every step and records d_s (index s - 1; NaN for step 1, which has no previous probe). */
export class ProbeRecorderPolicy implements CachePolicy {
  readonly name = 'probe-recorder';
  readonly distances: number[] = [];
  private prev: DeviceTensor | null = null;

  constructor(private readonly env: PolicyEnv) {}

  async decide(_step: number, teaInput: DeviceTensor): Promise<StepDecision> {
    this.env.release(teaInput);
    return { compute: true };
  }

  async observe(_step: number, probe: DeviceTensor): Promise<PolicyNote> {
    const prev = this.prev;
    this.prev = probe;
    if (!prev) {
      this.distances.push(NaN);
      return {};
    }
    const { diff, ref } = await this.env.ops.l1Sums(prev, probe);
    this.env.release(prev);
    this.distances.push(diff / ref);
    return { distance: diff / ref, rate: 1 };
  }

  dispose(): void {
    if (this.prev) this.env.release(this.prev);
    this.prev = null;
  }
}

/** The steps AdaCache would compute with `codebook` on a recorded distance curve (see the header). */
export function simulateSchedule(distances: readonly number[], codebook: Codebook): number[] {
  const n = distances.length;
  const computed = [1];
  let rate = 1;
  let last = 1;
  for (let s = 2; s <= n; s++) {
    if (!(s === last + rate || s === n - 1 || s === n)) continue;
    let drift = 0;
    for (let k = last + 1; k <= s; k++) drift += distances[k - 1]!;
    rate = lookupRate(codebook, drift / rate);
    last = s;
    computed.push(s);
  }
  return computed;
}

export function scaleCodebook(base: Codebook, factor: number): Codebook {
  return base.map(([t, r], i) => [i === base.length - 1 ? Math.max(t, t * factor) : t * factor, r]);
}

export interface Calibration {
  codebook: Codebook;
  /** Mean predicted speedup over the curves (steps / computed steps). */
  predictedSpeedup: number;
  /** The factor the base codebook's thresholds were scaled by. */
  factor: number;
}

export function proposeCodebook(curves: readonly (readonly number[])[], targetSpeedup: number, base?: Codebook): Calibration {
  if (curves.length === 0) throw new CalibrationError('calibration needs at least one baseline run');
  const n = curves[0]!.length;
  if (n < 3 || curves.some((c) => c.length !== n)) throw new CalibrationError('every baseline run must have the same number of steps (at least 3)');
  if (!(targetSpeedup >= 1) || !Number.isFinite(targetSpeedup)) throw new CalibrationError(`the target speedup must be a number >= 1, got ${targetSpeedup}`);
  const b = base ?? (n <= 50 ? BUILTIN_CODEBOOKS.fast : BUILTIN_CODEBOOKS['100']);
  const speedup = (factor: number) => {
    const cb = scaleCodebook(b, factor);
    return curves.reduce((a, c) => a + n / simulateSchedule(c, cb).length, 0) / curves.length;
  };
  let lo = 1e-6;
  let hi = 1e6;
  if (speedup(hi) < targetSpeedup) {
    throw new CalibrationError(`a ${targetSpeedup}x speedup is out of reach at ${n} steps with this codebook's rates (at most ${speedup(hi).toFixed(2)}x)`);
  }
  if (speedup(lo) >= targetSpeedup) return { codebook: scaleCodebook(b, lo), predictedSpeedup: speedup(lo), factor: lo };
  for (let i = 0; i < 100; i++) {
    const mid = Math.sqrt(lo * hi);
    if (speedup(mid) >= targetSpeedup) hi = mid;
    else lo = mid;
  }
  // Thresholds rounded up to 4 significant digits (larger thresholds only raise rates).
  const codebook = scaleCodebook(b, hi).map(([t, r]) => [roundUp4(t), r] as [number, number]);
  const cbSpeedup = curves.reduce((a, c) => a + n / simulateSchedule(c, codebook).length, 0) / curves.length;
  for (let i = 1; i < codebook.length; i++) {
    if (!(codebook[i]![0] > codebook[i - 1]![0])) throw new PolicyError('calibrated thresholds collapsed; use more steps or another target');
  }
  return { codebook, predictedSpeedup: cbSpeedup, factor: hi };
}

function roundUp4(t: number): number {
  if (t <= 0) return t;
  const p = 10 ** (Math.floor(Math.log10(t)) - 3);
  return Number((Math.ceil(t / p - 1e-9) * p).toPrecision(4));
}

/**
 * Baseline runs of `requests` on an engine, then proposeCodebook. Returns the curves too so a
 * caller can show them. The app calls this directly; the CLI also saves the result in a package.
 */
export async function calibrate(
  engine: Pick<Engine, 'run'>,
  requests: readonly Omit<GenerateRequest, 'policy'>[],
  targetSpeedup: number,
  opts: { signal?: AbortSignal; onRun?: (index: number) => void } = {},
): Promise<Calibration & { curves: number[][] }> {
  if (requests.length === 0) throw new CalibrationError('calibration needs at least one request');
  const curves: number[][] = [];
  for (const [i, r] of requests.entries()) {
    opts.onRun?.(i);
    let recorder: ProbeRecorderPolicy | undefined;
    await engine.run({ ...r, policy: { kind: 'none' }, previews: false }, (env) => (recorder = new ProbeRecorderPolicy(env)), undefined, opts.signal);
    curves.push(recorder!.distances);
  }
  return { ...proposeCodebook(curves, targetSpeedup), curves };
}
