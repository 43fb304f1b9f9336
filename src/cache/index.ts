/** Builds the cache policy a PolicySpec names. The sampler only ever sees the CachePolicy interface. */
import type { PolicySpec } from '../engine/api.ts';
import type { Codebook } from '../model/manifest.ts';
import { AdaCachePolicy, defaultMoreg } from './adacache.ts';
import { resolveCodebook } from './codebook.ts';
import { PolicyError, type CachePolicy, type PolicyEnv } from './policy.ts';
import { NoCachePolicy, StaticIntervalPolicy } from './simple.ts';
import { TeaCachePolicy } from './teacache.ts';

export function createPolicy(spec: PolicySpec, env: PolicyEnv, savedCodebooks: Readonly<Record<string, Codebook>> = {}): CachePolicy {
  switch (spec.kind) {
    case 'none':
      return new NoCachePolicy(env);
    case 'adacache':
      return new AdaCachePolicy(env, {
        codebook: resolveCodebook(spec.codebook, savedCodebooks),
        ...(spec.moreg ? { moreg: defaultMoreg(env.steps) } : {}),
      });
    case 'static':
      return new StaticIntervalPolicy(env, spec.interval);
    case 'teacache':
      return new TeaCachePolicy(env, spec.threshold);
    default:
      throw new PolicyError(`unknown cache policy ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
  }
}

export type { CachePolicy, PolicyEnv, PolicyNote, StepDecision } from './policy.ts';
export { PolicyError } from './policy.ts';
