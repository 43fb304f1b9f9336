/**
 * Browser side of the kernel tests: runs cases on the WGSL kernels with a fresh GPUDevice,
 * inside a validation error scope, and hands plain results back to the Node test.
 */
import { createGpuTensorOps } from '../../src/kernels/gpuOps.ts';
import { browserShaderSources } from '../../src/kernels/shaders.browser.ts';
import { executeCase, type CaseResult, type KernelCase } from './kernelCases.ts';

export interface KernelRun {
  adapter: string;
  /** False on compatibility-only adapters (Chromium's OpenGL ES path, which reports no name). */
  coreFeatures: boolean;
  results: CaseResult[];
  validationError: string | null;
}

/** `compatibility` reaches Chromium's OpenGL ES adapter (llvmpipe); `core` gets SwiftShader here. */
async function runKernelCases(cases: KernelCase[], featureLevel: 'core' | 'compatibility' = 'core'): Promise<KernelRun> {
  const adapter = await navigator.gpu?.requestAdapter({ featureLevel });
  if (!adapter) throw new Error('no WebGPU adapter in this browser');
  // Compatibility-level adapters start with low defaults (e.g. 4 storage buffers); ask for their real limits.
  const requiredLimits: Record<string, number> = {};
  for (const name of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage'] as const) {
    requiredLimits[name] = adapter.limits[name];
  }
  const device = await adapter.requestDevice({ requiredLimits });
  try {
    device.pushErrorScope('validation');
    const gpu = createGpuTensorOps(device, browserShaderSources);
    const env = { ops: gpu, upload: gpu.upload, download: gpu.download, release: (t: { buffer?: GPUBuffer }) => t.buffer?.destroy() };
    const results: CaseResult[] = [];
    for (const c of cases) results.push(await executeCase(env, c));
    const error = await device.popErrorScope();
    const info = adapter.info;
    return {
      adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(),
      coreFeatures: adapter.features.has('core-features-and-limits'),
      results,
      validationError: error?.message ?? null,
    };
  } finally {
    device.destroy();
  }
}

Object.assign(window, { runKernelCases });
document.title = 'kernel harness ready';
