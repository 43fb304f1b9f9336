/**
 * What a person sets before pressing Generate, and its round trip through the page URL so a
 * result can be shared and reproduced. Unknown or out-of-range URL values fall back to defaults.
 */
import type { GenerateRequest, PolicySpec } from '../engine/api.ts';

export type PolicyKind = PolicySpec['kind'];
export type BackendChoice = 'auto' | 'webgpu' | 'wasm';

export interface Settings {
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  policy: PolicyKind;
  /** AdaCache codebook: 'fast' | 'slow' | '100' | a codebook of the package | "t1:r1,t2:r2". */
  codebook: string;
  moreg: boolean;
  staticInterval: number;
  teacacheThreshold: number;
  backend: BackendChoice;
}

export const DEFAULT_SETTINGS: Settings = {
  prompt: '',
  seed: 42,
  steps: 30,
  guidance: 7,
  policy: 'adacache',
  codebook: 'fast',
  moreg: false,
  staticInterval: 2,
  teacacheThreshold: 0.1,
  backend: 'auto',
};

export const LIMITS = {
  steps: { min: 2, max: 1000 },
  guidance: { min: 0, max: 20 },
  seed: { min: 0, max: 2 ** 31 - 1 },
  staticInterval: { min: 1, max: 20 },
  teacacheThreshold: { min: 0.001, max: 5 },
} as const;

const POLICIES: readonly PolicyKind[] = ['none', 'adacache', 'static', 'teacache'];
const BACKENDS: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm'];
const CODEBOOK = /^(fast|slow|100|[A-Za-z0-9_-]{1,40}|(\d*\.?\d+:\d+)(,\d*\.?\d+:\d+)*)$/;

function num(v: string | null, lo: number, hi: number, integer: boolean): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < lo || n > hi) return undefined;
  return n;
}

/** Settings from a URL query string; every missing or invalid value takes its default. */
export function settingsFromQuery(query: string, base: Settings = DEFAULT_SETTINGS): Settings {
  const q = new URLSearchParams(query);
  const s: Settings = { ...base };
  const prompt = q.get('prompt');
  if (prompt !== null) s.prompt = prompt.slice(0, 500);
  s.seed = num(q.get('seed'), LIMITS.seed.min, LIMITS.seed.max, true) ?? s.seed;
  s.steps = num(q.get('steps'), LIMITS.steps.min, LIMITS.steps.max, true) ?? s.steps;
  s.guidance = num(q.get('cfg'), LIMITS.guidance.min, LIMITS.guidance.max, false) ?? s.guidance;
  const policy = q.get('policy') as PolicyKind | null;
  if (policy && POLICIES.includes(policy)) s.policy = policy;
  const codebook = q.get('codebook');
  if (codebook && CODEBOOK.test(codebook)) s.codebook = codebook;
  const moreg = q.get('moreg');
  if (moreg === '1' || moreg === '0') s.moreg = moreg === '1';
  s.staticInterval = num(q.get('interval'), LIMITS.staticInterval.min, LIMITS.staticInterval.max, true) ?? s.staticInterval;
  s.teacacheThreshold =
    num(q.get('threshold'), LIMITS.teacacheThreshold.min, LIMITS.teacacheThreshold.max, false) ?? s.teacacheThreshold;
  const backend = q.get('backend') as BackendChoice | null;
  if (backend && BACKENDS.includes(backend)) s.backend = backend;
  return s;
}

/** The query string for these settings (only what differs from the defaults, in a stable order). */
export function settingsToQuery(s: Settings): string {
  const q = new URLSearchParams();
  const d = DEFAULT_SETTINGS;
  if (s.prompt) q.set('prompt', s.prompt);
  q.set('seed', String(s.seed));
  if (s.steps !== d.steps) q.set('steps', String(s.steps));
  if (s.guidance !== d.guidance) q.set('cfg', String(s.guidance));
  if (s.policy !== d.policy) q.set('policy', s.policy);
  if (s.policy === 'adacache') {
    if (s.codebook !== d.codebook) q.set('codebook', s.codebook);
    if (s.moreg) q.set('moreg', '1');
  }
  if (s.policy === 'static' && s.staticInterval !== d.staticInterval) q.set('interval', String(s.staticInterval));
  if (s.policy === 'teacache' && s.teacacheThreshold !== d.teacacheThreshold) q.set('threshold', String(s.teacacheThreshold));
  if (s.backend !== d.backend) q.set('backend', s.backend);
  return q.toString();
}

export function policyOf(s: Settings): PolicySpec {
  switch (s.policy) {
    case 'none':
      return { kind: 'none' };
    case 'adacache':
      return { kind: 'adacache', codebook: s.codebook, moreg: s.moreg };
    case 'static':
      return { kind: 'static', interval: s.staticInterval };
    case 'teacache':
      return { kind: 'teacache', threshold: s.teacacheThreshold };
  }
}

export function requestOf(s: Settings, policy: PolicySpec = policyOf(s)): GenerateRequest {
  return { prompt: s.prompt.trim(), seed: s.seed, steps: s.steps, guidance: s.guidance, policy };
}

/** Short human label of a policy, e.g. "AdaCache fast + MoReg". */
export function policyLabel(p: PolicySpec): string {
  switch (p.kind) {
    case 'none':
      return 'Baseline (no cache)';
    case 'adacache':
      return `AdaCache ${p.codebook}${p.moreg ? ' + MoReg' : ''}`;
    case 'static':
      return `Static every ${p.interval}`;
    case 'teacache':
      return `TeaCache ${p.threshold}`;
  }
}
