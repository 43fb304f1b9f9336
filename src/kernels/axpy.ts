/** Host code of axpy.wgsl: the Euler update z + dt * v. */
import type { DeviceTensor } from '../engine/backend.ts';
import { dispatchElementwise } from './elementwise.ts';
import type { KernelContext } from './gpuContext.ts';
import { checkFiniteScalar, checkSameShape } from './shapes.ts';

export function gpuAxpy(ctx: KernelContext, z: DeviceTensor, v: DeviceTensor, dt: number): DeviceTensor {
  const kernel = 'axpy';
  checkFiniteScalar(kernel, 'dt', dt);
  const n = checkSameShape(kernel, z, v);
  const bufZ = ctx.bufferOf(kernel, 'z', z);
  const bufV = ctx.bufferOf(kernel, 'v', v);
  const out = ctx.createBuffer(n, kernel);
  if (n > 0) {
    const params = ctx.uniform([n, dt, 0, 0], [1]);
    dispatchElementwise(ctx, kernel, ctx.pipeline('axpy'), [[bufZ, n * 4], [bufV, n * 4], [out, n * 4]], params, n);
  }
  return { dims: [...z.dims], location: 'gpu', buffer: out };
}
