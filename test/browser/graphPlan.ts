/**
 * Runs a chain of ONNX graphs on a web backend from a plain-data plan (so it crosses
 * page.evaluate): float inputs are uploaded to the backend, outputs feed later graphs where
 * they live (GPU buffers on WebGPU), and only the requested outputs are read back.
 */
import type { BackendPreference } from '../../src/engine/adapterChoice.ts';
import type { DeviceTensor, HostTensor, ModelSession } from '../../src/engine/backend.ts';
import { createWebBackend } from '../../src/engine/webBackend.ts';
import { FIXTURE_PREFIX } from './fixtures.ts';

export interface HostFeed {
  type: 'float32' | 'int64';
  dims: number[];
  data: number[];
}

/** "graph.output" of an earlier step. */
export interface RefFeed {
  from: string;
}

export interface GraphStep {
  /** Fixture file name of the .onnx graph; also the step's name in RefFeed. */
  graph: string;
  feeds: Record<string, HostFeed | RefFeed>;
}

export interface PlanResult {
  backend: { kind: string; description: string; reason: string };
  outputs: Record<string, { dims: number[]; values: number[] }>;
  /** Where each intermediate lived ('gpu' | 'cpu'). */
  locations: Record<string, string>;
  ms: { sessions: number; run: number };
}

export async function runGraphPlan(prefer: BackendPreference, steps: GraphStep[], read: string[]): Promise<PlanResult> {
  const backend = await createWebBackend({ prefer });
  const values = new Map<string, DeviceTensor>();
  const uploads: DeviceTensor[] = [];
  const sessions = new Map<string, ModelSession>();
  try {
    const t0 = performance.now();
    for (const step of steps) {
      const res = await fetch(`${FIXTURE_PREFIX}${encodeURIComponent(step.graph)}`);
      if (!res.ok) throw new Error(`fixture ${step.graph}: HTTP ${res.status}`);
      sessions.set(step.graph, await backend.createSession(new Uint8Array(await res.arrayBuffer()), step.graph));
    }
    const t1 = performance.now();
    for (const step of steps) {
      const feeds: Record<string, DeviceTensor | HostTensor> = {};
      for (const [name, f] of Object.entries(step.feeds)) {
        if ('from' in f) {
          const v = values.get(f.from);
          if (!v) throw new Error(`${step.graph}.${name}: no earlier output ${f.from}`);
          feeds[name] = v;
        } else if (f.type === 'int64') {
          feeds[name] = { dims: f.dims, data: BigInt64Array.from(f.data, (x) => BigInt(x)) };
        } else {
          const t = backend.upload(Float32Array.from(f.data), f.dims);
          uploads.push(t);
          feeds[name] = t;
        }
      }
      const out = await sessions.get(step.graph)!.run(feeds);
      for (const [name, t] of Object.entries(out)) values.set(`${step.graph}.${name}`, t);
    }
    const outputs: PlanResult['outputs'] = {};
    for (const key of read) {
      const t = values.get(key);
      if (!t) throw new Error(`no output ${key}`);
      outputs[key] = { dims: [...t.dims], values: Array.from(await backend.download(t)) };
    }
    const t2 = performance.now();
    const locations = Object.fromEntries([...values].map(([k, t]) => [k, t.location]));
    return {
      backend: { kind: backend.kind, description: backend.description, reason: backend.decision.reason },
      outputs,
      locations,
      ms: { sessions: t1 - t0, run: t2 - t1 },
    };
  } finally {
    for (const t of [...values.values(), ...uploads]) backend.release(t);
    for (const s of sessions.values()) await s.release();
    await backend.dispose();
  }
}
