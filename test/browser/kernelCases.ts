/**
 * Kernel cases run twice: in the page on the WGSL kernels and in Node on the TypeScript twins,
 * through the same `executeCase`, so the two sides only differ in the TensorOps they get.
 */
import type { DeviceTensor, TensorOps } from '../../src/engine/backend.ts';
import { randomData } from '../../src/kernels/testData.ts';

export type KernelCase =
  | { op: 'add' | 'sub'; dims: number[]; seeds: [number, number] }
  | { op: 'axpy'; dims: number[]; seeds: [number, number]; dt: number }
  | { op: 'l1Sums'; dims: number[]; seeds: [number, number] }
  | { op: 'frameShiftSums'; dims: number[]; seed: number; tokensPerFrame: number; strides: number[] }
  | { op: 'guidance'; dims: number[]; seed: number; channels: number; scale: number }
  | { op: 'concat0'; parts: number[][]; seed: number };

/** Plain data, so it crosses page.evaluate: a tensor's dims and values, or the scalar sums. */
export interface CaseResult {
  dims: number[];
  values: number[];
}

export interface OpsUnderTest {
  ops: TensorOps;
  upload(data: Float32Array, dims: readonly number[]): DeviceTensor;
  download(t: DeviceTensor): Promise<Float32Array>;
  release(t: DeviceTensor): void;
}

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

export async function executeCase(env: OpsUnderTest, c: KernelCase): Promise<CaseResult> {
  const made: DeviceTensor[] = [];
  const input = (dims: number[], seed: number, scale = 1) => {
    const t = env.upload(randomData(size(dims), seed, scale), dims);
    made.push(t);
    return t;
  };
  const tensor = async (t: DeviceTensor): Promise<CaseResult> => {
    made.push(t);
    return { dims: [...t.dims], values: Array.from(await env.download(t)) };
  };
  try {
    switch (c.op) {
      case 'add':
      case 'sub':
        return await tensor(env.ops[c.op](input(c.dims, c.seeds[0], 3), input(c.dims, c.seeds[1], 5)));
      case 'axpy':
        return await tensor(env.ops.axpy(input(c.dims, c.seeds[0], 2), input(c.dims, c.seeds[1], 4), c.dt));
      case 'l1Sums': {
        const s = await env.ops.l1Sums(input(c.dims, c.seeds[0]), input(c.dims, c.seeds[1]));
        return { dims: [2], values: [s.diff, s.ref] };
      }
      case 'frameShiftSums': {
        const sums = await env.ops.frameShiftSums(input(c.dims, c.seed, 2), c.tokensPerFrame, c.strides);
        return { dims: [sums.length, 3], values: sums.flatMap((s) => [s.stride, s.diff, s.norm]) };
      }
      case 'guidance':
        return await tensor(env.ops.guidance(input(c.dims, c.seed, 2), c.channels, c.scale));
      case 'concat0':
        return await tensor(env.ops.concat0(c.parts.map((dims, i) => input(dims, c.seed + i))));
      default:
        throw new Error(`unknown kernel case ${JSON.stringify(c satisfies never)}`);
    }
  } finally {
    for (const t of made) env.release(t);
  }
}

/** The browser suite: odd sizes around the workgroup size of 128, several strides, CFG shapes. */
export const BROWSER_CASES: readonly KernelCase[] = [
  { op: 'add', dims: [129], seeds: [1, 2] },
  { op: 'sub', dims: [3, 5, 7], seeds: [3, 4] },
  { op: 'add', dims: [2, 64, 257], seeds: [5, 6] },
  { op: 'axpy', dims: [1, 4, 3, 8, 9], seeds: [7, 8], dt: -0.0333 },
  { op: 'l1Sums', dims: [127], seeds: [9, 10] },
  { op: 'l1Sums', dims: [2, 96, 301], seeds: [11, 12] },
  { op: 'frameShiftSums', dims: [2, 5 * 3, 7], seed: 13, tokensPerFrame: 3, strides: [1, 2, 4] },
  { op: 'frameShiftSums', dims: [2, 8 * 36, 65], seed: 14, tokensPerFrame: 36, strides: [1] },
  { op: 'guidance', dims: [2, 8, 3, 5, 7], seed: 15, channels: 4, scale: 7 },
  { op: 'concat0', parts: [[1, 4, 3, 5], [1, 4, 3, 5]], seed: 16 },
];
