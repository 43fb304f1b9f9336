/**
 * Argument checks and size arithmetic shared by the TypeScript twins and the WGSL host code,
 * so both reject the same input with the same message.
 */
import type { DeviceTensor } from '../engine/backend.ts';
import { KernelInputError } from './errors.ts';

export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

function assertDims(kernel: string, name: string, t: DeviceTensor): void {
  if (!t || !Array.isArray(t.dims)) throw new KernelInputError(kernel, `${name} is not a tensor`);
  for (const d of t.dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new KernelInputError(kernel, `${name} has invalid dims [${t.dims.join(', ')}]`);
    }
  }
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Element-wise binary ops (add, sub, axpy, l1Sums) need equal shapes. */
export function checkSameShape(kernel: string, a: DeviceTensor, b: DeviceTensor): number {
  assertDims(kernel, 'a', a);
  assertDims(kernel, 'b', b);
  if (!sameDims(a.dims, b.dims)) {
    throw new KernelInputError(kernel, `shape mismatch [${a.dims.join(', ')}] vs [${b.dims.join(', ')}]`);
  }
  return numel(a.dims);
}

export function checkFiniteScalar(kernel: string, name: string, x: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new KernelInputError(kernel, `${name} must be a finite number, got ${String(x)}`);
  }
}

export interface FrameShiftGeometry {
  batch: number;
  /** Tokens per sample: T * S. */
  tokens: number;
  channels: number;
  /** Shifts in tokens (stride * S), one per stride. */
  shifts: number[];
}

/** p [B, T*S, C]: every stride must leave at least one frame pair (1 <= stride < T). */
export function checkFrameShift(
  p: DeviceTensor,
  tokensPerFrame: number,
  strides: readonly number[],
): FrameShiftGeometry {
  const kernel = 'frameShiftSums';
  assertDims(kernel, 'p', p);
  if (p.dims.length !== 3) {
    throw new KernelInputError(kernel, `p must be [B, T*S, C], got [${p.dims.join(', ')}]`);
  }
  const [batch, tokens, channels] = p.dims as [number, number, number];
  if (!Number.isInteger(tokensPerFrame) || tokensPerFrame < 1 || tokens % tokensPerFrame !== 0) {
    throw new KernelInputError(kernel, `tokensPerFrame ${tokensPerFrame} does not divide ${tokens} tokens`);
  }
  const frames = tokens / tokensPerFrame;
  if (!Array.isArray(strides) || strides.length === 0) {
    throw new KernelInputError(kernel, 'strides must be a non-empty list');
  }
  const shifts = strides.map((s) => {
    if (!Number.isInteger(s) || s < 1 || s >= frames) {
      throw new KernelInputError(kernel, `stride ${s} must be an integer in [1, ${frames - 1}] for ${frames} frames`);
    }
    return s * tokensPerFrame;
  });
  return { batch, tokens, channels, shifts };
}

export interface GuidanceGeometry {
  /** Elements per channel (T * H * W). */
  inner: number;
  /** Output channels kept. */
  channels: number;
  /** Channels of the model output (Cout). */
  outChannels: number;
  outDims: number[];
}

/** out [2, Cout, ...rest] -> v [1, channels, ...rest]. */
export function checkGuidance(out: DeviceTensor, channels: number, scale: number): GuidanceGeometry {
  const kernel = 'guidance';
  assertDims(kernel, 'out', out);
  if (out.dims.length < 2 || out.dims[0] !== 2) {
    throw new KernelInputError(kernel, `out must be [2, Cout, ...], got [${out.dims.join(', ')}]`);
  }
  const outChannels = out.dims[1]!;
  if (!Number.isInteger(channels) || channels < 1 || channels > outChannels) {
    throw new KernelInputError(kernel, `channels ${channels} must be an integer in [1, ${outChannels}]`);
  }
  checkFiniteScalar(kernel, 'scale', scale);
  const rest = out.dims.slice(2);
  return { inner: numel(rest), channels, outChannels, outDims: [1, channels, ...rest] };
}

export interface ConcatGeometry {
  outDims: number[];
  /** Elements of each part. */
  sizes: number[];
}

/** Parts [n_i, ...rest] with equal rest -> [sum n_i, ...rest]. */
export function checkConcat0(parts: readonly DeviceTensor[]): ConcatGeometry {
  const kernel = 'concat0';
  if (!Array.isArray(parts) || parts.length === 0) throw new KernelInputError(kernel, 'needs at least one part');
  parts.forEach((t, i) => assertDims(kernel, `part ${i}`, t));
  const first = parts[0]!;
  if (first.dims.length === 0) throw new KernelInputError(kernel, 'parts must have at least one dim');
  const rest = first.dims.slice(1);
  let lead = 0;
  for (const [i, t] of parts.entries()) {
    if (t.dims.length !== first.dims.length || !sameDims(t.dims.slice(1), rest)) {
      throw new KernelInputError(
        kernel,
        `part ${i} [${t.dims.join(', ')}] does not match [*, ${rest.join(', ')}]`,
      );
    }
    lead += t.dims[0]!;
  }
  return { outDims: [lead, ...rest], sizes: parts.map((t) => numel(t.dims)) };
}
