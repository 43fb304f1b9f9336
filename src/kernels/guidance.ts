/** Host code of guidance.wgsl: v = u + scale * (c - u) over the first `channels` channels. */
import type { DeviceTensor } from '../engine/backend.ts';
import { dispatchElementwise } from './elementwise.ts';
import type { KernelContext } from './gpuContext.ts';
import { checkGuidance, numel } from './shapes.ts';

export function gpuGuidance(ctx: KernelContext, out: DeviceTensor, channels: number, scale: number): DeviceTensor {
  const kernel = 'guidance';
  const g = checkGuidance(out, channels, scale);
  const total = numel(out.dims);
  const src = ctx.bufferOf(kernel, 'out', out, total);
  const n = g.channels * g.inner;
  const v = ctx.createBuffer(n, kernel);
  if (n > 0) {
    const params = ctx.uniform([n, g.outChannels * g.inner, scale, 0], [2]);
    dispatchElementwise(ctx, kernel, ctx.pipeline('guidance'), [[src, total * 4], [v, n * 4]], params, n);
  }
  return { dims: g.outDims, location: 'gpu', buffer: v };
}
