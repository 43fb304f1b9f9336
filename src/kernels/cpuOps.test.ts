import { describe, expect, it } from 'vitest';
import { cpuTensorOps as ops, hostTensor } from './cpuOps.ts';
import { KernelInputError } from './errors.ts';

const t = (values: number[], dims: number[]) => hostTensor(Float32Array.from(values), dims);

describe('cpuTensorOps (TypeScript twins)', () => {
  it('add / sub are element-wise and leave inputs alone', () => {
    const a = t([1, 2, 3, -4], [2, 2]);
    const b = t([0.5, -2, 10, 4], [2, 2]);
    expect(Array.from(ops.add(a, b).data!)).toEqual([1.5, 0, 13, 0]);
    const d = ops.sub(a, b);
    expect(Array.from(d.data!)).toEqual([0.5, 4, -7, -8]);
    expect(d.dims).toEqual([2, 2]);
    expect(Array.from(a.data!)).toEqual([1, 2, 3, -4]);
  });

  it('l1Sums gives sum|a-b| and sum|a|', async () => {
    const a = t([1, -2, 3], [3]);
    const b = t([2, 2, 3], [3]);
    expect(await ops.l1Sums(a, b)).toEqual({ diff: 5, ref: 6 });
  });

  it('frameShiftSums shifts whole frames of S tokens', async () => {
    // B=1, T=3 frames, S=2 tokens, C=1: frames [1,2], [4,6], [5,5].
    const p = t([1, 2, 4, 6, 5, 5], [1, 6, 1]);
    const [s1, s2] = await ops.frameShiftSums(p, 2, [1, 2]);
    // stride 1: |4-1|+|6-2|+|5-4|+|5-6| = 9; norm = (4+6+5+5) + (1+2+4+6) = 33
    expect(s1).toEqual({ stride: 1, diff: 9, norm: 33 });
    // stride 2: |5-1|+|5-2| = 7; norm = (5+5) + (1+2) = 13
    expect(s2).toEqual({ stride: 2, diff: 7, norm: 13 });
  });

  it('frameShiftSums keeps batch rows apart', async () => {
    // B=2, T=2, S=1, C=2: no pair crosses from row 0 into row 1.
    const p = t([1, 1, 2, 2, 100, 100, 100, 100], [2, 2, 2]);
    const [s] = await ops.frameShiftSums(p, 1, [1]);
    expect(s).toEqual({ stride: 1, diff: 2, norm: 406 });
  });

  it('guidance combines cond and uncond over the first channels', () => {
    // [2, Cout=3, 2]: cond rows then uncond rows.
    const out = t([1, 2, 3, 4, 5, 6, 0, 1, 1, 1, 9, 9], [2, 3, 2]);
    const v = ops.guidance(out, 2, 2);
    expect(v.dims).toEqual([1, 2, 2]);
    // u + 2 (c - u)
    expect(Array.from(v.data!)).toEqual([2, 3, 5, 7]);
  });

  it('axpy is z + dt v', () => {
    expect(Array.from(ops.axpy(t([1, 2], [2]), t([4, -8], [2]), 0.25).data!)).toEqual([2, 0]);
  });

  it('concat0 stacks along dim 0', () => {
    const c = ops.concat0([t([1, 2], [1, 2]), t([3, 4, 5, 6], [2, 2])]);
    expect(c.dims).toEqual([3, 2]);
    expect(Array.from(c.data!)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects bad input with KernelInputError', async () => {
    const a = t([1, 2], [2]);
    expect(() => ops.add(a, t([1, 2], [1, 2]))).toThrow(KernelInputError);
    expect(() => ops.axpy(a, a, Number.NaN)).toThrow(/dt must be a finite number/);
    expect(() => ops.guidance(t([1, 2], [1, 2]), 1, 1)).toThrow(/\[2, Cout/);
    expect(() => ops.guidance(t([1, 2, 3, 4], [2, 2]), 3, 1)).toThrow(/channels 3/);
    expect(() => ops.concat0([a, t([1, 2], [1, 2])])).toThrow(/part 1/);
    await expect(ops.frameShiftSums(t([1, 2, 3, 4], [1, 4, 1]), 3, [1])).rejects.toThrow(/does not divide/);
    await expect(ops.frameShiftSums(t([1, 2, 3, 4], [1, 4, 1]), 2, [2])).rejects.toThrow(/stride 2/);
    const gpuLike = { dims: [2], location: 'gpu' as const };
    expect(() => ops.add(gpuLike, a)).toThrow(/host tensor/);
    expect(() => hostTensor(new Float32Array(3), [2])).toThrow(/do not fill/);
  });
});
