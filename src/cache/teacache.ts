/**
 * TeaCache (Liu et al., "Timestep Embedding Tells", 2024): at every step, the relative L1 change of
 * the first block's timestep-modulated input (the embed graph's `tea_input`, both CFG halves)
 * against the previous step's, d = sum|x_prev - x| / sum|x_prev|, is rescaled by a polynomial and
 * accumulated; while the sum stays below the threshold the step reuses the cached stack residual,
 * once it reaches it the step is computed and the sum restarts at 0. Steps 1 and N are always
 * computed. The published rescale polynomials were fitted to Open-Sora's released weights; our
 * models are others, so the default is the identity (no rescale), which is documented in
 * docs/SAMPLER.md. A fitted polynomial can be passed as coefficients (highest power first).
 */
import type { DeviceTensor } from '../engine/backend.ts';
import { PolicyError, type CachePolicy, type PolicyEnv, type PolicyNote, type StepDecision } from './policy.ts';

export function polyval(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((acc, c) => acc * x + c, 0);
}

export class TeaCachePolicy implements CachePolicy {
  readonly name = 'teacache';
  readonly needsTeaInput = true;
  private prev: DeviceTensor | null = null;
  private accumulated = 0;

  constructor(
    private readonly env: PolicyEnv,
    private readonly threshold: number,
    private readonly coefficients: readonly number[] = [1, 0],
  ) {
    if (!Number.isFinite(threshold) || threshold <= 0) throw new PolicyError(`the TeaCache threshold must be a number > 0, got ${threshold}`);
    if (coefficients.length === 0 || !coefficients.every(Number.isFinite)) throw new PolicyError('TeaCache rescale coefficients must be finite numbers');
  }

  async decide(step: number, teaInput: DeviceTensor | null): Promise<StepDecision> {
    if (!teaInput) throw new PolicyError('TeaCache decides from the tea_input of every step, and got none');
    const prev = this.prev;
    this.prev = teaInput;
    const forced = step === 1 || step === this.env.steps || !prev;
    if (prev) {
      const { diff, ref } = await this.env.ops.l1Sums(prev, teaInput);
      this.env.release(prev);
      this.accumulated += polyval(this.coefficients, diff / ref);
    }
    const distance = this.accumulated;
    if (forced || this.accumulated >= this.threshold) {
      this.accumulated = 0;
      return { compute: true, distance };
    }
    return { compute: false, distance };
  }

  async observe(_step: number, probe: DeviceTensor): Promise<PolicyNote> {
    this.env.release(probe);
    return {};
  }

  dispose(): void {
    if (this.prev) this.env.release(this.prev);
    this.prev = null;
  }
}
