/**
 * The one interface the sampler talks to. Each step the sampler asks the policy whether to
 * compute the block stack (after the embed graph when the policy needs its tea_input), and after
 * a computed step hands it the probe.
 * Policies measure through the backend's TensorOps (only scalar sums leave the device) and own
 * the tensors they are given: whatever they do not keep they release.
 */
import type { DeviceTensor, TensorOps } from '../engine/backend.ts';

export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** What every policy may use: the ops and a way to free tensors it no longer needs. */
export interface PolicyEnv {
  ops: TensorOps;
  release(t: DeviceTensor): void;
  /** Number of denoising steps of the run. */
  steps: number;
  /** Tokens per latent frame (S) of the token grid, ordered (T, S). */
  tokensPerFrame: number;
}

/** Values a policy reports for the step record. */
export interface PolicyNote {
  distance?: number;
  moreg?: number;
  mograd?: number;
  rate?: number;
}

export interface StepDecision extends PolicyNote {
  compute: boolean;
}

export interface CachePolicy {
  readonly name: string;
  /**
   * Whether decide() needs the first block's modulated input. Policies that decide without it
   * are asked before the step runs anything, so a reused step can run as one graph.
   */
  readonly needsTeaInput: boolean;
  /**
   * Called every step (1-based). `teaInput` is the embed graph's tea_input when `needsTeaInput`
   * (the policy takes ownership of it), otherwise null.
   */
  decide(step: number, teaInput: DeviceTensor | null): Promise<StepDecision>;
  /** Called after a computed step with the probe residual [B, T*S, C]; takes ownership of it. */
  observe(step: number, probe: DeviceTensor): Promise<PolicyNote>;
  /** Frees whatever the policy still holds. */
  dispose(): void;
}
