/** The policies that need no measurement of the blocks: none (always compute) and static interval. */
import type { DeviceTensor } from '../engine/backend.ts';
import { PolicyError, type CachePolicy, type PolicyEnv, type PolicyNote, type StepDecision } from './policy.ts';

export class NoCachePolicy implements CachePolicy {
  readonly name = 'none';
  readonly needsTeaInput = false;
  constructor(private readonly env: PolicyEnv) {}
  async decide(): Promise<StepDecision> {
    return { compute: true };
  }
  async observe(_step: number, probe: DeviceTensor): Promise<PolicyNote> {
    this.env.release(probe);
    return {};
  }
  dispose(): void {}
}

/** FORA-style static caching: compute at steps 1, 1 + k, 1 + 2k, ...; reuse in between. */
export class StaticIntervalPolicy implements CachePolicy {
  readonly name = 'static';
  readonly needsTeaInput = false;
  constructor(
    private readonly env: PolicyEnv,
    private readonly interval: number,
  ) {
    if (!Number.isInteger(interval) || interval < 1) throw new PolicyError(`the static interval must be an integer >= 1, got ${interval}`);
  }
  async decide(step: number): Promise<StepDecision> {
    return { compute: (step - 1) % this.interval === 0 };
  }
  async observe(_step: number, probe: DeviceTensor): Promise<PolicyNote> {
    this.env.release(probe);
    return { rate: this.interval };
  }
  dispose(): void {}
}
