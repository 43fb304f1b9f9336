/**
 * Calibration: pick AdaCache thresholds for a target speedup on a given model.
 *
 * 1. Baseline runs (every step computed) record, at each step, the probe distance to each of the
 *    previous few steps (as far back as the largest rate of the codebook).
 * 2. AdaCache's schedule is simulated on those distances (the cached run's trajectory differs a
 *    little from the baseline's, so this is a prediction; `sample` measures the real one).
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

/**
 * Computes every step and records, per step s, the probe distance to each of the `maxSpan`
 * previous steps: spans[s - 1][r - 1] = sum|p_{s-r} - p_s| / sum|p_{s-r}| (NaN where s - r < 1).
 * It keeps the last `maxSpan` probes on the device; only the sums leave it.
 */
export class ProbeRecorderPolicy implements CachePolicy {
  readonly name = 'probe-recorder';
  readonly needsTeaInput = false;
  readonly spans: number[][] = [];
  private recent: DeviceTensor[] = [];

  constructor(
    private readonly env: PolicyEnv,
    private readonly maxSpan: number,
  ) {
    if (!Number.isInteger(maxSpan) || maxSpan < 1) throw new PolicyError(`maxSpan must be a positive integer, got ${maxSpan}`);
  }

  async decide(): Promise<StepDecision> {
    return { compute: true };
  }

  async observe(_step: number, probe: DeviceTensor): Promise<PolicyNote> {
    const row: number[] = new Array(this.maxSpan).fill(NaN);
    for (let r = 1; r <= this.recent.length; r++) {
      const { diff, ref } = await this.env.ops.l1Sums(this.recent[this.recent.length - r]!, probe);
      row[r - 1] = diff / ref;
    }
    this.spans.push(row);
    this.recent.push(probe);
    if (this.recent.length > this.maxSpan) this.env.release(this.recent.shift()!);
    return Number.isNaN(row[0]) ? {} : { distance: row[0]!, rate: 1 };
  }

  dispose(): void {
    for (const t of this.recent) this.env.release(t);
    this.recent = [];
  }
}

/**
 * The steps AdaCache would compute with `codebook` on recorded baseline spans: the distance seen
 * at a compute step s after the last one at s0 is spans[s][s - s0], divided by the rate. Spans
 * longer than recorded fall back to the summed one-step distances (an upper estimate).
 */
export function simulateSchedule(spans: readonly (readonly number[])[], codebook: Codebook): number[] {
  const n = spans.length;
  const computed = [1];
  let rate = 1;
  let last = 1;
  for (let s = 2; s <= n; s++) {
    if (!(s === last + rate || s === n - 1 || s === n)) continue;
    const span = s - last;
    let d = spans[s - 1]![span - 1];
    if (d === undefined || Number.isNaN(d)) {
      d = 0;
      for (let k = last + 1; k <= s; k++) d += spans[k - 1]![0]!;
    }
    rate = lookupRate(codebook, d / rate);
    last = s;
    computed.push(s);
  }
  return computed;
}

/** The official codebook a calibration scales: the 30-step fast one up to 50 steps, the 100-step one beyond. */
export function baseCodebook(steps: number): Codebook {
  return steps <= 50 ? BUILTIN_CODEBOOKS.fast : BUILTIN_CODEBOOKS['100'];
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

/** `curves`: one ProbeRecorderPolicy.spans per baseline run. */
export function proposeCodebook(curves: readonly (readonly (readonly number[])[])[], targetSpeedup: number, base?: Codebook): Calibration {
  if (curves.length === 0) throw new CalibrationError('calibration needs at least one baseline run');
  const n = curves[0]!.length;
  if (n < 3 || curves.some((c) => c.length !== n)) throw new CalibrationError('every baseline run must have the same number of steps (at least 3)');
  if (!(targetSpeedup >= 1) || !Number.isFinite(targetSpeedup)) throw new CalibrationError(`the target speedup must be a number >= 1, got ${targetSpeedup}`);
  const b = base ?? baseCodebook(n);
  const speedup = (factor: number) => curves.reduce((a, c) => a + n / simulateSchedule(c, scaleCodebook(b, factor)).length, 0) / curves.length;
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
  // Thresholds rounded up to 4 significant digits when that still meets the target (the
  // speedup is not monotone in the thresholds everywhere), else kept as bisection found them.
  const predicted = (cb: Codebook) => curves.reduce((a, c) => a + n / simulateSchedule(c, cb).length, 0) / curves.length;
  const rounded = scaleCodebook(b, hi).map(([t, r]) => [roundUp4(t), r] as [number, number]);
  const codebook = predicted(rounded) >= targetSpeedup ? rounded : scaleCodebook(b, hi);
  const cbSpeedup = predicted(codebook);
  for (let i = 1; i < codebook.length; i++) {
    if (!(codebook[i]![0] > codebook[i - 1]![0])) throw new PolicyError('calibrated thresholds collapsed; use more steps or another target');
  }
  return { codebook, predictedSpeedup: cbSpeedup, factor: hi };
}

const maxRate = (cb: Codebook) => Math.max(...cb.map((e) => e[1]));

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
): Promise<Calibration & { curves: number[][][] }> {
  if (requests.length === 0) throw new CalibrationError('calibration needs at least one request');
  const curves: number[][][] = [];
  for (const [i, r] of requests.entries()) {
    opts.onRun?.(i);
    let recorder: ProbeRecorderPolicy | undefined;
    await engine.run({ ...r, policy: { kind: 'none' }, previews: false }, (env) => (recorder = new ProbeRecorderPolicy(env, maxRate(baseCodebook(r.steps)))), undefined, opts.signal);
    curves.push(recorder!.spans);
  }
  return { ...proposeCodebook(curves, targetSpeedup), curves };
}
