/** Host code of addSub.wgsl: a + b (cached-step skip) and a - b (residual capture). */
import type { DeviceTensor } from '../engine/backend.ts';
import { dispatchElementwise } from './elementwise.ts';
import type { KernelContext } from './gpuContext.ts';
import { checkSameShape } from './shapes.ts';

export function gpuAddSub(ctx: KernelContext, op: 'add' | 'sub', a: DeviceTensor, b: DeviceTensor): DeviceTensor {
  const n = checkSameShape(op, a, b);
  const bufA = ctx.bufferOf(op, 'a', a);
  const bufB = ctx.bufferOf(op, 'b', b);
  const out = ctx.createBuffer(n, op);
  if (n > 0) {
    const pipeline = ctx.pipeline('addSub', op);
    dispatchElementwise(ctx, op, pipeline, [[bufA, n * 4], [bufB, n * 4], [out, n * 4]], ctx.uniform([n, 0, 0, 0]), n);
  }
  return { dims: [...a.dims], location: 'gpu', buffer: out };
}
