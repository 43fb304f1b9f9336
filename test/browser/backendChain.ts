/**
 * Backend checks that run in a page or a Web Worker alike: create the backend as the app does
 * and chain sessions and kernels with tensors staying where the backend keeps them.
 */
import type { DeviceTensor } from '../../src/engine/backend.ts';
import { createWebBackend, type WebBackend } from '../../src/engine/webBackend.ts';
import type { BackendPreference } from '../../src/engine/adapterChoice.ts';
import { fetchFixture as fixture } from './fixtures.ts';

export interface BackendInfo {
  kind: string;
  description: string;
  reason: string;
  fallback: string | null;
  adapter: string | null;
  wasmThreads: number;
}

function info(b: WebBackend): BackendInfo {
  return {
    kind: b.kind,
    description: b.description,
    reason: b.decision.reason,
    fallback: b.decision.fallback ?? null,
    adapter: b.adapter ? `${b.adapter.vendor} ${b.adapter.architecture}`.trim() : null,
    wasmThreads: b.wasmThreads,
  };
}

export async function backendInfo(prefer: BackendPreference): Promise<BackendInfo> {
  const b = await createWebBackend({ prefer });
  try {
    return info(b);
  } finally {
    await b.dispose();
  }
}

export interface ChainResult {
  backend: BackendInfo;
  locations: string[];
  /** y2 = affine2(affine1(x) + affine1(x)), read back once at the end. */
  y2: number[];
  /** The same chain with each input released right after use. */
  y2Early: number[];
  /** l1Sums(y1, 2*y1) computed where the tensors live. */
  sums: { diff: number; ref: number };
}

/** affine1 -> add (kernel) -> affine2, nothing downloaded in between. */
export async function runAffineChain(prefer: BackendPreference, x: number[], n: number, k: number): Promise<ChainResult> {
  const b = await createWebBackend({ prefer });
  const made: DeviceTensor[] = [];
  try {
    const s1 = await b.createSession(await fixture('affine1.onnx'), 'affine1');
    const s2 = await b.createSession(await fixture('affine2.onnx'), 'affine2');
    const xt = b.upload(Float32Array.from(x), [n, k]);
    made.push(xt);
    const { y: y1 } = (await s1.run({ x: xt })) as { y: DeviceTensor };
    made.push(y1);
    const doubled = b.ops.add(y1, y1);
    made.push(doubled);
    const { y: y2 } = (await s2.run({ x: doubled })) as { y: DeviceTensor };
    made.push(y2);
    const sums = await b.ops.l1Sums(y1, doubled);
    const host = await b.download(y2);
    // Again, releasing every input as soon as the call that reads it returns, as a sampler
    // does: the backend must have handed the work to the device by then.
    const x2 = b.upload(Float32Array.from(x), [n, k]);
    const { y: z1 } = (await s1.run({ x: x2 })) as { y: DeviceTensor };
    b.release(x2);
    const z2 = b.ops.add(z1, z1);
    b.release(z1);
    const { y: z3 } = (await s2.run({ x: z2 })) as { y: DeviceTensor };
    b.release(z2);
    const early = await b.download(z3);
    b.release(z3);
    await s1.release();
    await s2.release();
    return { backend: info(b), locations: made.map((t) => t.location), y2: Array.from(host), y2Early: Array.from(early), sums };
  } finally {
    for (const t of made) b.release(t);
    await b.dispose();
  }
}


/** What a page sees for bad input: each entry is "ErrorName: message". */
export async function backendErrors(prefer: BackendPreference): Promise<string[]> {
  const seen: string[] = [];
  const capture = async (f: () => Promise<unknown>) => {
    try {
      await f();
      seen.push('no error');
    } catch (e) {
      seen.push(`${(e as Error).name}: ${(e as Error).message}`);
    }
  };
  await capture(() => createWebBackend({ prefer: 'cuda' as BackendPreference }));
  const b = await createWebBackend({ prefer });
  try {
    await capture(() => b.createSession(new Uint8Array(0), 'empty'));
    await capture(() => b.createSession(new Uint8Array([1, 2, 3, 4]), 'garbage'));
    const s = await b.createSession(await fixture('affine1.onnx'), 'affine1');
    await capture(() => s.run({}));
    if (b.kind === 'webgpu') {
      // A lost device (here destroyed on purpose) must surface as its own error class.
      const x = b.upload(new Float32Array(33), [1, 33]);
      b.device!.destroy();
      await capture(() => s.run({ x }));
      await capture(() => b.ops.l1Sums(x, x));
    }
    await s.release();
  } finally {
    await b.dispose();
  }
  return seen;
}
