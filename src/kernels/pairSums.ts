/** Host code of pairSums.wgsl: stage 2 of the L1 reductions (partials -> one vec2 per slot). */
import { KernelContext, MAX_REDUCTION_GROUPS, WORKGROUP_SIZE } from './gpuContext.ts';

/** Stage-1 workgroups for `items` elements: enough to fill the GPU, bounded so stage 2 stays one workgroup's loop. */
export function reductionGroups(items: number): number {
  return Math.max(1, Math.min(MAX_REDUCTION_GROUPS, Math.ceil(items / WORKGROUP_SIZE)));
}

/** Storage for `slots` stage-1 regions of partials and one vec2 result per slot. */
export function createReductionBuffers(ctx: KernelContext, kernel: string, slots: number) {
  const partials = ctx.device.createBuffer({
    label: `${kernel} partials`,
    size: slots * MAX_REDUCTION_GROUPS * 8,
    usage: GPUBufferUsage.STORAGE,
  });
  const sums = ctx.device.createBuffer({
    label: `${kernel} sums`,
    size: slots * 8,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
  });
  return { partials, sums };
}

/** Encodes the fold of `count` partials starting at slot * MAX_REDUCTION_GROUPS into sums[slot]. */
export function encodePairSums(
  ctx: KernelContext,
  pass: GPUComputePassEncoder,
  partials: GPUBuffer,
  sums: GPUBuffer,
  slot: number,
  count: number,
): GPUBuffer {
  const pipeline = ctx.pipeline('pairSums');
  const params = ctx.uniform([slot * MAX_REDUCTION_GROUPS, count, slot, 0]);
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, ctx.bindGroup(pipeline, [partials, sums, params]));
  pass.dispatchWorkgroups(1);
  return params;
}

/** Reads the vec2 sums back (the only data a reduction moves to the host). */
export async function readPairs(ctx: KernelContext, kernel: string, sums: GPUBuffer, slots: number): Promise<[number, number][]> {
  const data = new Float32Array(await ctx.read(kernel, sums, slots * 8));
  return Array.from({ length: slots }, (_, i) => [data[2 * i]!, data[2 * i + 1]!]);
}
