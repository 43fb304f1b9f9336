/**
 * concat0 on the GPU. Stacking along dim 0 is a contiguous copy per part, so it is encoded as
 * buffer-to-buffer copies rather than a shader: no pipeline to compile (seconds on software
 * adapters) and the copy engine does exactly this. Its twin is cpuConcat0.
 */
import type { DeviceTensor } from '../engine/backend.ts';
import type { KernelContext } from './gpuContext.ts';
import { checkConcat0, numel } from './shapes.ts';

export function gpuConcat0(ctx: KernelContext, parts: readonly DeviceTensor[]): DeviceTensor {
  const kernel = 'concat0';
  const g = checkConcat0(parts);
  const sources = parts.map((t, i) => ctx.bufferOf(kernel, `part ${i}`, t, g.sizes[i]));
  const out = ctx.createBuffer(numel(g.outDims), kernel);
  ctx.submit(kernel, (enc) => {
    let offset = 0;
    sources.forEach((src, i) => {
      const bytes = g.sizes[i]! * 4;
      if (bytes > 0) enc.copyBufferToBuffer(src, 0, out, offset, bytes);
      offset += bytes;
    });
  });
  return { dims: g.outDims, location: 'gpu', buffer: out };
}
