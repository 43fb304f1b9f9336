/**
 * TensorOps over GPU buffers: the WGSL kernels in shaders/, each checked against its twin in
 * cpuOps.ts. Element-wise ops return at once (work is queued); GPU errors surface at the next
 * readback (l1Sums, frameShiftSums, or `download`).
 */
import type { DeviceTensor, TensorOps } from '../engine/backend.ts';
import { gpuAddSub } from './addSub.ts';
import { gpuAxpy } from './axpy.ts';
import { gpuConcat0 } from './concat0.ts';
import { gpuFrameShiftSums } from './frameShiftL1.ts';
import { KernelContext } from './gpuContext.ts';
import { gpuGuidance } from './guidance.ts';
import { gpuL1Sums } from './residualL1.ts';
import { KernelInputError } from './errors.ts';
import { checkShaderSources, type ShaderSources } from './shaderSources.ts';
import { numel } from './shapes.ts';

export interface GpuTensorOps extends TensorOps {
  readonly context: KernelContext;
  /** A new GPU tensor holding `data`. */
  upload(data: Float32Array, dims: readonly number[]): DeviceTensor;
  /** Host copy of a GPU tensor; throws any GPU error raised by earlier kernels. */
  download(t: DeviceTensor): Promise<Float32Array>;
}

export function createGpuTensorOps(device: GPUDevice, sources: ShaderSources): GpuTensorOps {
  const ctx = new KernelContext(device, checkShaderSources(sources));
  return {
    context: ctx,
    add: (a, b) => gpuAddSub(ctx, 'add', a, b),
    sub: (a, b) => gpuAddSub(ctx, 'sub', a, b),
    l1Sums: (a, b) => gpuL1Sums(ctx, a, b),
    frameShiftSums: (p, s, strides) => gpuFrameShiftSums(ctx, p, s, strides),
    guidance: (out, channels, scale) => gpuGuidance(ctx, out, channels, scale),
    axpy: (z, v, dt) => gpuAxpy(ctx, z, v, dt),
    concat0: (parts) => gpuConcat0(ctx, parts),
    upload(data, dims) {
      const n = numel(dims);
      if (!(data instanceof Float32Array) || data.length !== n) {
        throw new KernelInputError('upload', `${data?.length} values do not fill [${dims.join(', ')}]`);
      }
      const buffer = ctx.createBuffer(n, 'upload');
      if (n > 0) device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, n * 4);
      return { dims: [...dims], location: 'gpu', buffer };
    },
    async download(t) {
      const n = numel(t.dims);
      const buffer = ctx.bufferOf('download', 'tensor', t, n);
      return new Float32Array(await ctx.read('download', buffer, n * 4));
    },
  };
}
