/**
 * The bench page: bench/run.ts drives it through Playwright. It loads the package files that
 * Node serves as fixtures, builds the engine on the web backend, and exposes functions that
 * run a request, time one model step and time the l1Sums kernel. Timings are taken here, in
 * the page, so the Playwright round trip is not counted.
 */
import type { GenerateRequest } from '../src/engine/api.ts';
import type { BackendPreference } from '../src/engine/adapterChoice.ts';
import { createEngine, type Engine } from '../src/engine/generate.ts';
import { createWebBackend, type WebBackend } from '../src/engine/webBackend.ts';
import { createGpuTensorOps } from '../src/kernels/gpuOps.ts';
import { browserShaderSources } from '../src/kernels/shaders.browser.ts';
import { parseManifest, type FileRole } from '../src/model/manifest.ts';
import { fetchFixture } from '../test/browser/fixtures.ts';
import { benchL1Sums, timeModelStep, type KernelPoint } from './shared.ts';
import { sumStepMs, type PageGenerateResult, type PageInit, type WireRequest } from './wire.ts';

let engine: Engine | undefined;
let backend: WebBackend | undefined;

function toBase64(data: Float32Array): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function benchInit(prefer: BackendPreference, manifestJson: unknown): Promise<PageInit> {
  const manifest = parseManifest(manifestJson);
  const files: Partial<Record<FileRole, Uint8Array>> = {};
  for (const role of Object.keys(manifest.files) as FileRole[]) files[role] = await fetchFixture(role);
  backend = await createWebBackend({ prefer });
  const t0 = performance.now();
  engine = await createEngine({ manifest, files }, backend);
  return {
    kind: backend.kind,
    description: backend.description,
    decision: backend.decision,
    adapter: backend.adapter ?? null,
    wasmThreads: backend.wasmThreads,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    userAgent: navigator.userAgent,
    loadMs: performance.now() - t0,
  };
}

function need(): Engine {
  if (!engine) throw new Error('benchInit was not called');
  return engine;
}

async function benchGenerate(w: WireRequest): Promise<PageGenerateResult> {
  const req: GenerateRequest = {
    prompt: w.prompt,
    seed: w.seed,
    steps: w.steps,
    guidance: w.guidance,
    policy: w.policy,
    ...(w.caption ? { caption: { y: Float32Array.from(w.caption.y), mask: w.caption.mask } } : {}),
  };
  const t0 = performance.now();
  const r = await need().generate(req);
  const ms = performance.now() - t0;
  return {
    ms,
    computed: r.trace.recomputed_steps,
    stepMs: sumStepMs(r.trace.records),
    video: { frames: r.video.frames, height: r.video.height, width: r.video.width, fps: r.video.fps, rgb: toBase64(r.video.rgb) },
  };
}

/**
 * l1Sums on each distinct WebGPU adapter this browser offers (the default one and the
 * compatibility-level one, e.g. SwiftShader and llvmpipe), on devices of their own: the
 * engine may be running on WASM.
 */
async function benchKernel(sizes: number[], reps: number): Promise<{ adapter: string; points: KernelPoint[] }[] | { error: string }> {
  const gpu = navigator.gpu;
  if (!gpu) return { error: 'navigator.gpu is missing' };
  const found = new Map<string, GPUAdapter>();
  for (const opts of [undefined, { featureLevel: 'compatibility' }] as (GPURequestAdapterOptions | undefined)[]) {
    const a = await gpu.requestAdapter(opts);
    if (!a) continue;
    const i = a.info;
    const name = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') || 'unnamed adapter';
    const key = `${name}${a.features.has('core-features-and-limits') ? '' : ' (compatibility)'}`;
    if (!found.has(key)) found.set(key, a);
  }
  if (!found.size) return { error: 'no WebGPU adapter' };
  const results = [];
  for (const [name, adapter] of found) {
    const limits: Record<string, number> = {};
    for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension'] as const) limits[k] = adapter.limits[k];
    const device = await adapter.requestDevice({ requiredLimits: limits });
    try {
      const ops = createGpuTensorOps(device, browserShaderSources);
      results.push({ adapter: name, points: await benchL1Sums(ops, (t) => t.buffer?.destroy(), sizes, reps) });
    } finally {
      device.destroy();
    }
  }
  return results;
}

async function benchDispose(): Promise<void> {
  await engine?.dispose();
  await backend?.dispose();
  engine = undefined;
  backend = undefined;
}

Object.assign(window, {
  benchInit,
  benchGenerate,
  benchStep: (warmup: number, iters: number) => timeModelStep(need(), warmup, iters),
  benchKernel,
  benchDispose,
});
document.title = 'bench ready';
