/** Host code of residualL1.wgsl (+ pairSums.wgsl): sum|a-b| and sum|a| on the GPU. */
import type { DeviceTensor, L1Sums } from '../engine/backend.ts';
import type { KernelContext } from './gpuContext.ts';
import { createReductionBuffers, encodePairSums, readPairs, reductionGroups } from './pairSums.ts';
import { checkSameShape } from './shapes.ts';

export async function gpuL1Sums(ctx: KernelContext, a: DeviceTensor, b: DeviceTensor): Promise<L1Sums> {
  const kernel = 'l1Sums';
  const n = checkSameShape(kernel, a, b);
  const bufA = ctx.bufferOf(kernel, 'a', a);
  const bufB = ctx.bufferOf(kernel, 'b', b);
  if (n === 0) return { diff: 0, ref: 0 };
  const { partials, sums } = createReductionBuffers(ctx, kernel, 1);
  try {
    const groups = reductionGroups(n);
    const pipeline = ctx.pipeline('residualL1');
    const params = ctx.uniform([n, 0, 0, 0]);
    const temporaries = [params];
    ctx.submit(kernel, (enc) => {
      const pass = enc.beginComputePass({ label: kernel });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, ctx.bindGroup(pipeline, [[bufA, n * 4], [bufB, n * 4], partials, params]));
      pass.dispatchWorkgroups(groups);
      temporaries.push(encodePairSums(ctx, pass, partials, sums, 0, groups));
      pass.end();
    }, temporaries);
    const [[diff, ref]] = (await readPairs(ctx, kernel, sums, 1)) as [[number, number]];
    return { diff, ref };
  } finally {
    partials.destroy();
    sums.destroy();
  }
}
