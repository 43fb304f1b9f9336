/**
 * TypeScript twins of the WGSL kernels: the reference every GPU kernel is tested against,
 * and the implementation the Node and WASM backends run. Sums accumulate in float64.
 */
import type { DeviceTensor, FrameShiftSums, L1Sums, TensorOps } from '../engine/backend.ts';
import { KernelInputError } from './errors.ts';
import {
  checkConcat0,
  checkFiniteScalar,
  checkFrameShift,
  checkGuidance,
  checkSameShape,
  numel,
} from './shapes.ts';

/** A host tensor; the dims are copied so later edits of the caller's array do not leak in. */
export function hostTensor(data: Float32Array, dims: readonly number[]): DeviceTensor {
  if (!(data instanceof Float32Array)) throw new KernelInputError('hostTensor', 'data must be a Float32Array');
  if (data.length !== numel(dims)) {
    throw new KernelInputError('hostTensor', `${data.length} values do not fill [${dims.join(', ')}]`);
  }
  return { dims: [...dims], location: 'cpu', data };
}

function hostData(kernel: string, name: string, t: DeviceTensor): Float32Array {
  if (t.location !== 'cpu' || !(t.data instanceof Float32Array)) {
    throw new KernelInputError(kernel, `${name} must be a host tensor (location 'cpu'), got '${t.location}'`);
  }
  if (t.data.length < numel(t.dims)) {
    throw new KernelInputError(kernel, `${name} holds ${t.data.length} values, dims need ${numel(t.dims)}`);
  }
  return t.data;
}

/** Output and inputs of an element-wise op on two same-shape host tensors. */
function binaryOperands(kernel: string, a: DeviceTensor, b: DeviceTensor): { x: Float32Array; y: Float32Array; out: Float32Array } {
  const n = checkSameShape(kernel, a, b);
  return { x: hostData(kernel, 'a', a), y: hostData(kernel, 'b', b), out: new Float32Array(n) };
}

// add, sub and axpy each keep their own loop: one loop shared through a callback goes
// megamorphic in V8 and runs several times slower on these per-step tensors.
export function cpuAdd(a: DeviceTensor, b: DeviceTensor): DeviceTensor {
  const { x, y, out } = binaryOperands('add', a, b);
  for (let i = 0; i < out.length; i++) out[i] = x[i]! + y[i]!;
  return { dims: [...a.dims], location: 'cpu', data: out };
}

export function cpuSub(a: DeviceTensor, b: DeviceTensor): DeviceTensor {
  const { x, y, out } = binaryOperands('sub', a, b);
  for (let i = 0; i < out.length; i++) out[i] = x[i]! - y[i]!;
  return { dims: [...a.dims], location: 'cpu', data: out };
}

export function cpuL1Sums(a: DeviceTensor, b: DeviceTensor): L1Sums {
  const n = checkSameShape('l1Sums', a, b);
  const x = hostData('l1Sums', 'a', a);
  const y = hostData('l1Sums', 'b', b);
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < n; i++) {
    diff += Math.abs(x[i]! - y[i]!);
    ref += Math.abs(x[i]!);
  }
  return { diff, ref };
}

export function cpuFrameShiftSums(
  p: DeviceTensor,
  tokensPerFrame: number,
  strides: readonly number[],
): FrameShiftSums[] {
  const g = checkFrameShift(p, tokensPerFrame, strides);
  const x = hostData('frameShiftSums', 'p', p);
  const row = g.tokens * g.channels;
  return g.shifts.map((shift, k) => {
    const off = shift * g.channels;
    let diff = 0;
    let norm = 0;
    for (let b = 0; b < g.batch; b++) {
      const base = b * row;
      // Pairs (j + off, j) for j in [0, row - off): p[:, iS:] against p[:, :-iS].
      for (let j = 0; j < row - off; j++) {
        const later = x[base + j + off]!;
        const earlier = x[base + j]!;
        diff += Math.abs(later - earlier);
        norm += Math.abs(later) + Math.abs(earlier);
      }
    }
    return { stride: strides[k]!, diff, norm };
  });
}

export function cpuGuidance(out: DeviceTensor, channels: number, scale: number): DeviceTensor {
  const g = checkGuidance(out, channels, scale);
  const x = hostData('guidance', 'out', out);
  const n = g.channels * g.inner;
  const half = g.outChannels * g.inner;
  const v = new Float32Array(n);
  const s = Math.fround(scale);
  for (let i = 0; i < n; i++) {
    const c = x[i]!;
    const u = x[half + i]!;
    // Rounded like the float32 WGSL kernel: u + s * (c - u), each operation in f32.
    v[i] = Math.fround(u + Math.fround(s * Math.fround(c - u)));
  }
  return { dims: g.outDims, location: 'cpu', data: v };
}

export function cpuAxpy(z: DeviceTensor, v: DeviceTensor, dt: number): DeviceTensor {
  checkFiniteScalar('axpy', 'dt', dt);
  const s = Math.fround(dt);
  const { x, y, out } = binaryOperands('axpy', z, v);
  // The product is rounded to f32 as in the WGSL kernel; the store rounds the sum.
  for (let i = 0; i < out.length; i++) out[i] = x[i]! + Math.fround(s * y[i]!);
  return { dims: [...z.dims], location: 'cpu', data: out };
}

export function cpuConcat0(parts: readonly DeviceTensor[]): DeviceTensor {
  const g = checkConcat0(parts);
  const out = new Float32Array(numel(g.outDims));
  let offset = 0;
  parts.forEach((t, i) => {
    out.set(hostData('concat0', `part ${i}`, t).subarray(0, g.sizes[i]!), offset);
    offset += g.sizes[i]!;
  });
  return { dims: g.outDims, location: 'cpu', data: out };
}

export const cpuTensorOps: TensorOps = {
  add: cpuAdd,
  sub: cpuSub,
  l1Sums: async (a, b) => cpuL1Sums(a, b),
  frameShiftSums: async (p, s, strides) => cpuFrameShiftSums(p, s, strides),
  guidance: cpuGuidance,
  axpy: cpuAxpy,
  concat0: cpuConcat0,
};
