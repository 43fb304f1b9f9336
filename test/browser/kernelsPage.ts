/**
 * Browser side of the kernel tests: runs cases on the WGSL kernels with a fresh GPUDevice,
 * inside a validation error scope, and hands plain results back to the Node test.
 */
import { createGpuTensorOps } from '../../src/kernels/gpuOps.ts';
import { browserShaderSources } from '../../src/kernels/shaders.browser.ts';
import { executeCase, type CaseResult, type KernelCase } from './kernelCases.ts';

export interface KernelRun {
  adapter: string;
  results: CaseResult[];
  validationError: string | null;
}

async function runKernelCases(cases: KernelCase[]): Promise<KernelRun> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter in this browser');
  const device = await adapter.requestDevice();
  try {
    device.pushErrorScope('validation');
    const gpu = createGpuTensorOps(device, browserShaderSources);
    const env = { ops: gpu, upload: gpu.upload, download: gpu.download, release: (t: { buffer?: GPUBuffer }) => t.buffer?.destroy() };
    const results: CaseResult[] = [];
    for (const c of cases) results.push(await executeCase(env, c));
    const error = await device.popErrorScope();
    const info = adapter.info;
    return { adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(), results, validationError: error?.message ?? null };
  } finally {
    device.destroy();
  }
}

Object.assign(window, { runKernelCases });
document.title = 'kernel harness ready';
