/**
 * AdaCache (+ MoReg) as the official code does it (AdaCache-DiT/AdaCache, STDiT3Block.forward and
 * compute_next_step), for the whole block stack at once. docs/ADACACHE.md has the derivation.
 *
 * Schedule (steps 1..N): steps 1, N-1 and N are always computed; otherwise a step is computed
 * when it equals the last computed step + rate. At every computed step that has a previous probe:
 *   c = sum|p_prev - p| / sum|p_prev| / rate      (rate: the scheduled one, also at forced steps)
 *   MoReg: c *= m + |mograd|                      (see moregFactor)
 *   rate = codebook lookup of c
 */
import type { Codebook } from '../model/manifest.ts';
import type { DeviceTensor } from '../engine/backend.ts';
import { lookupRate } from './codebook.ts';
import { PolicyError, type CachePolicy, type PolicyEnv, type PolicyNote, type StepDecision } from './policy.ts';

/** The official MoReg hyperparameters (configs/sample_adacache_moreg.py). */
export interface MoregParams {
  /** Inclusive 1-based step window [from, to]; outside it m = 1. */
  window: [number, number];
  strides: number[];
  /** moreg_hyp (0.385, 8, 1): m = ((m / 0.385) ** 8) / 1. The official 4th value is unused. */
  norm: number;
  power: number;
  divisor: number;
  /** mograd_mul */
  gradMul: number;
}

/**
 * The MoReg step window for N steps. The official configs give 10..90 for 100 steps and 4..26 for
 * 30, symmetric (to = N - from). `from` is linear in N through those two points,
 * from = round(4 + (N - 30) * 6 / 70), clamped to [1, N/2]; so both official windows come out exactly.
 */
export function moregWindow(steps: number): [number, number] {
  const from = Math.min(Math.max(1, Math.round(4 + ((steps - 30) * 6) / 70)), Math.floor(steps / 2));
  return [from, steps - from];
}

export function defaultMoreg(steps: number): MoregParams {
  return { window: moregWindow(steps), strides: [1], norm: 0.385, power: 8, divisor: 1, gradMul: 10 };
}

export interface AdaCacheOptions {
  codebook: Codebook;
  moreg?: MoregParams;
}

export class AdaCachePolicy implements CachePolicy {
  readonly name: string;
  readonly needsTeaInput = false;
  private rate = 1;
  private prevComputeStep = 0;
  private prevProbe: DeviceTensor | null = null;
  private prevMoreg = 1;

  constructor(
    private readonly env: PolicyEnv,
    private readonly opts: AdaCacheOptions,
  ) {
    if (opts.codebook.length === 0) throw new PolicyError('AdaCache needs a non-empty codebook');
    if (opts.moreg) {
      for (const s of opts.moreg.strides) {
        if (!Number.isInteger(s) || s < 1) throw new PolicyError(`MoReg strides must be positive integers, got ${s}`);
      }
    }
    this.name = opts.moreg ? 'adacache+moreg' : 'adacache';
  }

  async decide(step: number): Promise<StepDecision> {
    const n = this.env.steps;
    const forced = step === 1 || step === n - 1 || step === n;
    return { compute: forced || step === this.prevComputeStep + this.rate };
  }

  async observe(step: number, probe: DeviceTensor): Promise<PolicyNote> {
    const prev = this.prevProbe;
    this.prevProbe = probe;
    this.prevComputeStep = step;
    if (!prev) return { rate: this.rate };
    const { diff, ref } = await this.env.ops.l1Sums(prev, probe);
    this.env.release(prev);
    let c = diff / ref / this.rate;
    let moreg = 1;
    let mograd = 0;
    if (this.opts.moreg) {
      const m = await this.motion(step, probe);
      mograd = (this.opts.moreg.gradMul * (m - this.prevMoreg)) / this.rate;
      this.prevMoreg = m;
      moreg = m + Math.abs(mograd);
    }
    c *= moreg;
    this.rate = lookupRate(this.opts.codebook, c);
    return { distance: c, moreg, mograd, rate: this.rate };
  }

  /** m: the mean frame-shift distance of the probe over the strides, power-transformed; 1 outside the window. */
  private async motion(step: number, probe: DeviceTensor): Promise<number> {
    const p = this.opts.moreg!;
    if (step < p.window[0] || step > p.window[1]) return 1;
    const sums = await this.env.ops.frameShiftSums(probe, this.env.tokensPerFrame, p.strides);
    const mean = sums.reduce((a, s) => a + s.diff / s.norm, 0) / sums.length;
    return (mean / p.norm) ** p.power / p.divisor;
  }

  dispose(): void {
    if (this.prevProbe) this.env.release(this.prevProbe);
    this.prevProbe = null;
  }
}
