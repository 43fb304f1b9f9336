/** What crosses between bench/run.ts (Node) and the bench page: plain, JSON-safe data. */
import type { PolicySpec } from '../src/engine/api.ts';
import type { AdapterSummary, BackendDecision } from '../src/engine/adapterChoice.ts';

export interface WireRequest {
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  policy: PolicySpec;
  caption?: { y: number[]; mask: number[] };
}

export interface PageInit {
  kind: 'webgpu' | 'wasm';
  description: string;
  decision: BackendDecision;
  adapter: AdapterSummary | null;
  wasmThreads: number;
  crossOriginIsolated: boolean;
  userAgent: string;
  loadMs: number;
}

export interface PageGenerateResult {
  ms: number;
  computed: number[];
  /** Summed step times (the sampler's per-step records) of the computed and of the reused steps. */
  stepMs: StepMs;
  /** rgb: float32 bytes, base64. */
  video: { frames: number; height: number; width: number; fps: number; rgb: string };
}

export interface StepMs {
  computed: number;
  reused: number;
}

/** Sums the trace's per-step times by kind. */
export function sumStepMs(records: readonly { computed: boolean; ms: number }[]): StepMs {
  const out = { computed: 0, reused: 0 };
  for (const r of records) out[r.computed ? 'computed' : 'reused'] += r.ms;
  return out;
}
