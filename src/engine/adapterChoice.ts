/**
 * Which browser backend to run on, decided from the WebGPU adapter alone (pure, testable in Node).
 * Software adapters (SwiftShader, llvmpipe, WARP...) run ORT's WebGPU kernels far slower than the
 * WASM backend on the same CPU (MatMul ~0.7 GFLOP/s on SwiftShader vs ~20 on WASM), so 'auto'
 * only picks WebGPU on a hardware GPU.
 */

export type BackendPreference = 'webgpu' | 'wasm' | 'auto';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The adapter says it is a fallback (software) adapter, or its name is a known software rasteriser. */
  software: boolean;
  /** Only WebGPU's compatibility feature level (e.g. Chromium's OpenGL ES path). */
  compatibilityOnly: boolean;
}

export interface BackendDecision {
  kind: 'webgpu' | 'wasm';
  /** Why this backend, in words a person can read. */
  reason: string;
  /** Set when the page did not get what it asked for, or 'auto' could not use WebGPU. */
  fallback?: string;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|warp/i;

export function summarizeAdapter(
  info: Partial<GPUAdapterInfo> | undefined,
  isFallbackAdapter: boolean,
  compatibilityOnly = false,
): AdapterSummary {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const named = SOFTWARE_NAMES.test(`${vendor} ${architecture} ${device} ${description}`);
  return { vendor, architecture, device, description, software: isFallbackAdapter || named, compatibilityOnly };
}

export function adapterName(a: AdapterSummary): string {
  return [a.vendor, a.architecture, a.device, a.description].filter((s) => s).join(' ') || 'unnamed adapter';
}

/**
 * @param adapter the adapter navigator.gpu gave, or a string saying why there is none.
 */
export function decideBackend(prefer: BackendPreference, adapter: AdapterSummary | string): BackendDecision {
  if (prefer === 'wasm') return { kind: 'wasm', reason: 'WASM backend requested' };
  if (typeof adapter === 'string') {
    const why = `WebGPU unavailable (${adapter}); running on WASM`;
    return { kind: 'wasm', reason: why, fallback: why };
  }
  const name = adapterName(adapter);
  if (prefer === 'webgpu') {
    return {
      kind: 'webgpu',
      reason: adapter.software ? `WebGPU requested; ${name} is a software adapter (slow)` : `WebGPU requested on ${name}`,
    };
  }
  if (adapter.software) {
    const why = `${name} is a software WebGPU adapter, much slower than WASM on this CPU; running on WASM`;
    return { kind: 'wasm', reason: why, fallback: why };
  }
  if (adapter.compatibilityOnly && name === 'unnamed adapter') {
    // Chromium's OpenGL ES path reports no name; on machines without a GPU it is Mesa llvmpipe.
    const why = 'only an unnamed compatibility-level WebGPU adapter (possibly software); running on WASM';
    return { kind: 'wasm', reason: why, fallback: why };
  }
  return { kind: 'webgpu', reason: `hardware WebGPU adapter ${name}` };
}
