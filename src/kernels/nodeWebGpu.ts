/**
 * WebGPU in Node through Dawn (npm `webgpu`) for kernel tests and tools. On machines without a
 * GPU it runs on Mesa llvmpipe through the OpenGL ES backend, which only offers WebGPU's
 * compatibility feature level, so the device asks for the adapter's real limits.
 */
import { create, globals } from 'webgpu';
import { GpuKernelError } from './errors.ts';

let gpu: GPU | undefined;

function nodeGpu(): GPU {
  if (!gpu) {
    // Dawn's GL backend needs a display-less EGL platform when no X/Wayland server is around.
    process.env.EGL_PLATFORM ??= 'surfaceless';
    Object.assign(globalThis, globals);
    gpu = create(['backend=opengles']);
  }
  return gpu;
}

const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupStorageSize',
] as const;

export async function createNodeGpuDevice(): Promise<GPUDevice> {
  const adapter = await nodeGpu().requestAdapter({ featureLevel: 'compatibility' });
  if (!adapter) throw new GpuKernelError('createNodeGpuDevice', 'no WebGPU adapter (Dawn, backend=opengles)');
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  return adapter.requestDevice({ requiredLimits });
}
