/** Host code of frameShiftL1.wgsl (+ pairSums.wgsl): MoReg's frame-shifted L1 sums per stride. */
import type { DeviceTensor, FrameShiftSums } from '../engine/backend.ts';
import { MAX_REDUCTION_GROUPS, type KernelContext } from './gpuContext.ts';
import { createReductionBuffers, encodePairSums, readPairs, reductionGroups } from './pairSums.ts';
import { checkFrameShift, numel } from './shapes.ts';

export async function gpuFrameShiftSums(
  ctx: KernelContext,
  p: DeviceTensor,
  tokensPerFrame: number,
  strides: readonly number[],
): Promise<FrameShiftSums[]> {
  const kernel = 'frameShiftSums';
  const g = checkFrameShift(p, tokensPerFrame, strides);
  const n = numel(p.dims);
  const buf = ctx.bufferOf(kernel, 'p', p);
  if (n === 0) return strides.map((stride) => ({ stride, diff: 0, norm: 0 }));
  const rowLen = g.tokens * g.channels;
  const { partials, sums } = createReductionBuffers(ctx, kernel, g.shifts.length);
  try {
    const pipeline = ctx.pipeline('frameShiftL1');
    const temporaries: GPUBuffer[] = [];
    ctx.submit(kernel, (enc) => {
      const pass = enc.beginComputePass({ label: kernel });
      g.shifts.forEach((shift, slot) => {
        const perRow = (g.tokens - shift) * g.channels;
        const pairs = g.batch * perRow;
        const groups = reductionGroups(pairs);
        const params = ctx.uniform([pairs, perRow, rowLen, shift * g.channels, slot * MAX_REDUCTION_GROUPS, 0, 0, 0]);
        temporaries.push(params);
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, ctx.bindGroup(pipeline, [[buf, n * 4], partials, params]));
        pass.dispatchWorkgroups(groups);
        temporaries.push(encodePairSums(ctx, pass, partials, sums, slot, groups));
      });
      pass.end();
    }, temporaries);
    const pairs = await readPairs(ctx, kernel, sums, g.shifts.length);
    return pairs.map(([diff, norm], i) => ({ stride: strides[i]!, diff, norm }));
  } finally {
    partials.destroy();
    sums.destroy();
  }
}
