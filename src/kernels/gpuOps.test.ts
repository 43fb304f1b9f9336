/**
 * Every WGSL kernel against its TypeScript twin on a real WebGPU adapter (Dawn in Node; on
 * this machine Mesa llvmpipe). Tolerances: add/sub/concat exact; axpy/guidance within 2 ulp
 * (the GPU may fuse multiply-add); L1 sums (float32 partials vs the float64 twin) 1e-5 relative.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceTensor } from '../engine/backend.ts';
import { cpuTensorOps, hostTensor } from './cpuOps.ts';
import { GpuKernelError, KernelInputError } from './errors.ts';
import { createGpuTensorOps, type GpuTensorOps } from './gpuOps.ts';
import { createNodeGpuDevice } from './nodeWebGpu.ts';
import type { ShaderSources } from './shaderSources.ts';
import { loadShaderSources } from './shaders.node.ts';
import { firstMismatch, maxRelDiff, randomData, relErr } from './testData.ts';

const SUM_TOL = 1e-5;
const ULP2 = 2 * 2 ** -23;

let sources: ShaderSources;
let device: GPUDevice;
let gpu: GpuTensorOps;
let made: DeviceTensor[];

beforeAll(async () => {
  sources = await loadShaderSources();
});

beforeEach(async () => {
  device = await createNodeGpuDevice();
  gpu = createGpuTensorOps(device, sources);
  made = [];
  device.pushErrorScope('validation');
});

afterEach(async () => {
  const error = await device.popErrorScope();
  for (const t of made) t.buffer?.destroy();
  device.destroy();
  expect(error?.message).toBeUndefined();
});

function both(data: Float32Array, dims: number[]): [DeviceTensor, DeviceTensor] {
  const g = gpu.upload(data, dims);
  made.push(g);
  return [g, hostTensor(data, dims)];
}

async function read(t: DeviceTensor): Promise<Float32Array> {
  made.push(t);
  return gpu.download(t);
}

describe('WGSL kernels vs TypeScript twins (Dawn / llvmpipe)', () => {
  it.each([1, 127, 128, 129, 4099])('add and sub, %i elements: exact', async (n) => {
    const [ga, ca] = both(randomData(n, 1, 3), [n]);
    const [gb, cb] = both(randomData(n, 2, 5), [n]);
    expect(firstMismatch(await read(gpu.add(ga, gb)), cpuTensorOps.add(ca, cb).data!)).toBe(-1);
    expect(firstMismatch(await read(gpu.sub(ga, gb)), cpuTensorOps.sub(ca, cb).data!)).toBe(-1);
  });

  it('add past one dispatch dimension (2D grid)', async () => {
    const n = 65535 * 128 + 3;
    const [ga, ca] = both(randomData(n, 3), [n]);
    const [gb, cb] = both(randomData(n, 4), [n]);
    const sum = gpu.add(ga, gb);
    expect(device.limits.maxComputeWorkgroupsPerDimension).toBe(65535);
    expect(gpu.context.grid(n)).toEqual([65535, 2]);
    expect(firstMismatch(await read(sum), cpuTensorOps.add(ca, cb).data!)).toBe(-1);
  });

  it.each([
    [[3, 5, 7]],
    [[2, 300, 41]],
  ])('axpy on %j within 2 ulp', async (dims) => {
    const n = dims.reduce((x, y) => x * y, 1);
    const [gz, cz] = both(randomData(n, 5, 2), dims);
    const [gv, cv] = both(randomData(n, 6, 4), dims);
    const got = await read(gpu.axpy(gz, gv, -0.0333));
    expect(maxRelDiff(got, cpuTensorOps.axpy(cz, cv, -0.0333).data!, 1)).toBeLessThanOrEqual(ULP2 * 4);
  });

  it.each([
    [[2, 8, 3, 5, 7], 4, 7],
    [[2, 4, 1, 3, 3], 4, 1.5],
  ])('guidance on %j, %i channels, scale %d', async (dims, channels, scale) => {
    const n = dims.reduce((x, y) => x * y, 1);
    const [go, co] = both(randomData(n, 7, 2), dims);
    const v = gpu.guidance(go, channels, scale);
    const want = cpuTensorOps.guidance(co, channels, scale);
    expect(v.dims).toEqual(want.dims);
    expect(maxRelDiff(await read(v), want.data!, 1)).toBeLessThanOrEqual(ULP2 * scale * 4);
  });

  it('concat0 stacks parts of different leading size', async () => {
    const [g1, c1] = both(randomData(35, 8), [1, 5, 7]);
    const [g2, c2] = both(randomData(70, 9), [2, 5, 7]);
    const g = gpu.concat0([g1, g2, g1]);
    const c = cpuTensorOps.concat0([c1, c2, c1]);
    expect(g.dims).toEqual([4, 5, 7]);
    expect(await read(g)).toEqual(c.data);
  });

  it.each([1, 127, 129, 100_003, 65535 * 128 + 3])('l1Sums over %i elements within 1e-5', async (n) => {
    const [ga, ca] = both(randomData(n, 10, 1), [n]);
    const [gb, cb] = both(randomData(n, 11, 1), [n]);
    const got = await gpu.l1Sums(ga, gb);
    const want = await cpuTensorOps.l1Sums(ca, cb);
    expect(relErr(got.diff, want.diff)).toBeLessThan(SUM_TOL);
    expect(relErr(got.ref, want.ref)).toBeLessThan(SUM_TOL);
  });

  it('l1Sums of equal tensors has zero distance', async () => {
    const [ga] = both(randomData(1000, 12), [10, 100]);
    const got = await gpu.l1Sums(ga, ga);
    expect(got.diff).toBe(0);
    expect(got.ref).toBeGreaterThan(0);
  });

  it.each([
    // B, T, S, C, strides
    [2, 5, 3, 7, [1, 2, 4]],
    [2, 16, 64, 33, [1]],
    [1, 2, 1, 1, [1]],
    // More pairs than 1024 workgroups x 128 invocations: each invocation loops.
    [2, 8, 256, 97, [1, 3]],
  ])('frameShiftSums B=%i T=%i S=%i C=%i strides %j within 1e-5', async (b, t, s, c, strides) => {
    const dims = [b, t * s, c];
    const [gp, cp] = both(randomData(b * t * s * c, 13, 2), dims);
    const got = await gpu.frameShiftSums(gp, s, strides);
    const want = await cpuTensorOps.frameShiftSums(cp, s, strides);
    expect(got.map((x) => x.stride)).toEqual(strides);
    got.forEach((x, i) => {
      expect(relErr(x.diff, want[i]!.diff)).toBeLessThan(SUM_TOL);
      expect(relErr(x.norm, want[i]!.norm)).toBeLessThan(SUM_TOL);
    });
  });

  it('rejects host tensors and mismatched shapes before touching the GPU', async () => {
    const [ga, ca] = both(randomData(6, 14), [2, 3]);
    expect(() => gpu.add(ga, ca)).toThrow(KernelInputError);
    const [gb] = both(randomData(6, 15), [3, 2]);
    expect(() => gpu.sub(ga, gb)).toThrow(/shape mismatch/);
    await expect(gpu.frameShiftSums(ga, 2, [1])).rejects.toThrow(/\[B, T\*S, C\]/);
  });

  it('surfaces a GPU validation error at the next readback', async () => {
    const [ga] = both(randomData(8, 16), [8]);
    const destroyed = gpu.upload(randomData(8, 17), [8]);
    destroyed.buffer!.destroy();
    gpu.add(ga, destroyed);
    await expect(gpu.download(ga)).rejects.toThrow(GpuKernelError);
  });
});
