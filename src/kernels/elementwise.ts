/** Shared dispatch of the one-invocation-per-element kernels (addSub, guidance, axpy). */
import type { KernelContext } from './gpuContext.ts';

export function dispatchElementwise(
  ctx: KernelContext,
  kernel: string,
  pipeline: GPUComputePipeline,
  buffers: readonly (GPUBuffer | [GPUBuffer, number])[],
  params: GPUBuffer,
  elements: number,
): void {
  const [x, y] = ctx.grid(elements);
  ctx.submit(kernel, (enc) => {
    const pass = enc.beginComputePass({ label: kernel });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, ctx.bindGroup(pipeline, [...buffers, params]));
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }, [params]);
}
