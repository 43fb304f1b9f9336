/**
 * The browser Backend on onnxruntime-web: the WebGPU execution provider with tensors kept in GPU
 * buffers between sessions and the WGSL kernels on the same GPUDevice, or the WASM execution
 * provider with the TypeScript kernel twins. Works in a window and in a Web Worker.
 */
import * as ort from 'onnxruntime-web/webgpu';
// ORT's emscripten loader and binary as separate files. The bundle inlines the loader, but its
// wasm threads start workers from the loader's own URL, which in a Vite build is the app chunk.
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { cpuTensorOps, hostTensor } from '../kernels/cpuOps.ts';
import { createGpuTensorOps, type GpuTensorOps } from '../kernels/gpuOps.ts';
import { browserShaderSources } from '../kernels/shaders.browser.ts';
import { numel } from '../kernels/shapes.ts';
import {
  decideBackend,
  summarizeAdapter,
  adapterName,
  type AdapterSummary,
  type BackendDecision,
  type BackendPreference,
} from './adapterChoice.ts';
import { outputsToFetch, type Backend, type DeviceTensor, type HostTensor, type ModelSession, type TensorOps } from './backend.ts';

export class WebGpuDeviceLostError extends Error {
  constructor(message: string) {
    super(`WebGPU device lost: ${message}`);
    this.name = 'WebGpuDeviceLostError';
  }
}

export class SessionCreateError extends Error {
  constructor(session: string, cause: unknown) {
    super(`could not load ONNX graph '${session}': ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'SessionCreateError';
  }
}

export class SessionRunError extends Error {
  constructor(session: string, message: string) {
    super(`${session}: ${message}`);
    this.name = 'SessionRunError';
  }
}

/** A tensor or option the backend cannot take (wrong location, dtype, preference). */
export class BackendInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendInputError';
  }
}

export interface WebBackendOptions {
  prefer?: BackendPreference;
}

export interface WebBackend extends Backend {
  readonly kind: 'webgpu' | 'wasm';
  readonly decision: BackendDecision;
  /** The WebGPU adapter seen while deciding (also when WASM was picked), if any. */
  readonly adapter?: AdapterSummary;
  /** WASM threads ORT uses (1 unless the page is cross-origin isolated). */
  readonly wasmThreads: number;
  /** The GPUDevice ORT and the WGSL kernels share (WebGPU only). */
  readonly device?: GPUDevice;
}

/** Limits raised to the adapter's maximum, as ORT does for the devices it creates itself. */
const RAISED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
] as const;

const OPTIONAL_FEATURES: readonly GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];

let ortConfigured = false;

function configureOrt(): number {
  const threads = globalThis.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency ?? 1)) : 1;
  if (!ortConfigured) {
    ort.env.wasm.wasmPaths = { mjs: ortMjsUrl, wasm: ortWasmUrl };
    // Without cross-origin isolation there is no SharedArrayBuffer, hence no wasm threads.
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'error';
    ortConfigured = true;
  }
  return ort.env.wasm.numThreads ?? threads;
}

async function probeAdapter(): Promise<GPUAdapter | string> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return 'navigator.gpu is missing: this browser has no WebGPU or the page is not a secure context';
  try {
    // Some adapters (e.g. Mesa on OpenGL ES) only offer WebGPU's compatibility feature level.
    // High performance: on dual-GPU laptops the discrete GPU, not the integrated one.
    const adapter =
      (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ??
      (await gpu.requestAdapter({ featureLevel: 'compatibility' }));
    return adapter ?? 'requestAdapter() returned no adapter';
  } catch (e) {
    return `requestAdapter() failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function isFallback(adapter: GPUAdapter): boolean {
  const a = adapter as GPUAdapter & { isFallbackAdapter?: boolean; info: GPUAdapterInfo & { isFallbackAdapter?: boolean } };
  return Boolean(a.info?.isFallbackAdapter ?? a.isFallbackAdapter);
}

async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  return adapter.requestDevice({ requiredLimits, requiredFeatures });
}

export async function createWebBackend(opts: WebBackendOptions = {}): Promise<WebBackend> {
  const prefer = opts.prefer ?? 'auto';
  if (!['webgpu', 'wasm', 'auto'].includes(prefer)) {
    throw new BackendInputError(`createWebBackend: prefer must be 'webgpu', 'wasm' or 'auto', got '${String(prefer)}'`);
  }
  const wasmThreads = configureOrt();
  const probed = prefer === 'wasm' ? undefined : await probeAdapter();
  const adapter = probed && typeof probed !== 'string' ? probed : undefined;
  const summary = adapter
    ? summarizeAdapter(adapter.info, isFallback(adapter), !adapter.features.has('core-features-and-limits'))
    : undefined;
  let decision = decideBackend(prefer, summary ?? (typeof probed === 'string' ? probed : 'not probed'));
  if (decision.kind === 'webgpu' && adapter && summary) {
    try {
      return webGpuBackend(await requestDevice(adapter), summary, decision, wasmThreads);
    } catch (e) {
      const why = `WebGPU device request failed (${e instanceof Error ? e.message : String(e)}); running on WASM`;
      decision = { kind: 'wasm', reason: why, fallback: why };
    }
  }
  return wasmBackend(decision, summary, wasmThreads);
}

function hostFeed(t: HostTensor | DeviceTensor): ort.Tensor {
  const data = t.data;
  if (data instanceof Float32Array) return new ort.Tensor('float32', data.subarray(0, numel(t.dims)), [...t.dims]);
  if (data instanceof BigInt64Array) return new ort.Tensor('int64', data, [...t.dims]);
  if (data instanceof Int32Array) return new ort.Tensor('int32', data, [...t.dims]);
  throw new BackendInputError('a feed needs Float32Array, BigInt64Array or Int32Array data');
}

function isDeviceTensor(t: HostTensor | DeviceTensor): t is DeviceTensor {
  return 'location' in t;
}

interface SessionHooks {
  feed(name: string, t: DeviceTensor | HostTensor): ort.Tensor;
  output(name: string, t: ort.Tensor): DeviceTensor;
  check(): void;
}

/** Sessions still open, so `dispose` can release them before the device goes. */
type LiveSessions = Set<ModelSession>;

async function createOrtSession(
  onnx: Uint8Array,
  name: string,
  options: ort.InferenceSession.SessionOptions,
  hooks: SessionHooks,
  live: LiveSessions,
): Promise<ModelSession> {
  if (!(onnx instanceof Uint8Array) || onnx.length === 0) throw new SessionCreateError(name, 'empty model bytes');
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnx, options);
  } catch (e) {
    throw new SessionCreateError(name, e);
  }
  let inFlight: Promise<unknown> | null = null;
  const model: ModelSession = {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      hooks.check();
      const missing = session.inputNames.filter((n) => !(n in feeds));
      if (missing.length > 0) throw new SessionRunError(name, `missing inputs: ${missing.join(', ')}`);
      const fetches = outputsToFetch(session.outputNames, outputs);
      if (typeof fetches === 'string') throw new SessionRunError(name, fetches);
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const n of session.inputNames) ortFeeds[n] = hooks.feed(n, feeds[n]!);
      let results: ort.InferenceSession.OnnxValueMapType;
      const running = session.run(ortFeeds, fetches);
      inFlight = running;
      try {
        results = await running;
      } catch (e) {
        hooks.check();
        throw new SessionRunError(name, e instanceof Error ? e.message : String(e));
      } finally {
        if (inFlight === running) inFlight = null;
      }
      // A device lost while ORT ran leaves garbage that still "succeeds": ask again afterwards.
      hooks.check();
      const out: Record<string, DeviceTensor> = {};
      for (const n of fetches) out[n] = hooks.output(n, results[n] as ort.Tensor);
      return out;
    },
    async release() {
      if (!live.delete(model)) return;
      // Releasing under a run ORT has not finished can wedge its wasm runtime (and with it every
      // later load). After a device loss some drivers never finish that run: leave it leaked.
      if (inFlight && !(await settlesWithin(inFlight, RELEASE_WAIT_MS))) return;
      await session.release();
    },
  };
  live.add(model);
  return model;
}

/** How long `release` waits for a session's unfinished run before leaving the session alone. */
const RELEASE_WAIT_MS = 5_000;

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = p.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function releaseAll(live: LiveSessions): Promise<void> {
  for (const s of [...live]) await s.release();
}

function wasmBackend(decision: BackendDecision, adapter: AdapterSummary | undefined, wasmThreads: number): WebBackend {
  const live: LiveSessions = new Set();
  const hooks: SessionHooks = {
    feed: (_n, t) => {
      if (isDeviceTensor(t) && t.location !== 'cpu') throw new BackendInputError('the WASM backend only takes host tensors');
      return hostFeed(t);
    },
    output: (n, t) => {
      if (t.type !== 'float32') throw new SessionRunError(n, `output is ${t.type}, expected float32`);
      return hostTensor(t.data as Float32Array, t.dims);
    },
    check: () => undefined,
  };
  return {
    kind: 'wasm',
    description: `onnxruntime-web WASM (${wasmThreads} thread${wasmThreads === 1 ? '' : 's'})`,
    decision,
    ...(adapter ? { adapter } : {}),
    wasmThreads,
    ops: cpuTensorOps,
    // As in Node: fold the int8 weights' DequantizeLinear once at load (fp32 weights in wasm memory).
    createSession: (onnx, name) =>
      createOrtSession(onnx, name, { executionProviders: ['wasm'], extra: { session: { disable_quant_qdq: '1' } } }, hooks, live),
    upload: (data, dims) => hostTensor(Float32Array.from(data), dims),
    download: async (t) => {
      if (t.location !== 'cpu' || !t.data) throw new BackendInputError('the WASM backend only holds host tensors');
      return t.data.slice(0, numel(t.dims));
    },
    release: () => undefined,
    dispose: () => releaseAll(live),
  };
}

/** The GPU kernels, each refusing to run once the device is lost (their work would vanish silently). */
function lossAwareOps(ops: TensorOps, check: () => void): TensorOps {
  return {
    add: (a, b) => (check(), ops.add(a, b)),
    sub: (a, b) => (check(), ops.sub(a, b)),
    l1Sums: async (a, b) => (check(), ops.l1Sums(a, b)),
    frameShiftSums: async (p, s, strides) => (check(), ops.frameShiftSums(p, s, strides)),
    guidance: (out, channels, scale) => (check(), ops.guidance(out, channels, scale)),
    axpy: (z, v, dt) => (check(), ops.axpy(z, v, dt)),
    concat0: (parts) => (check(), ops.concat0(parts)),
  };
}

function webGpuBackend(
  device: GPUDevice,
  adapter: AdapterSummary,
  decision: BackendDecision,
  wasmThreads: number,
): WebBackend {
  const ops: GpuTensorOps = createGpuTensorOps(device, browserShaderSources);
  const live: LiveSessions = new Set();
  let lost: string | undefined;
  void device.lost.then((info) => {
    lost = info.message || info.reason;
  });
  const check = () => {
    if (lost !== undefined) throw new WebGpuDeviceLostError(lost);
  };
  const hooks: SessionHooks = {
    feed: (_n, t) => {
      if (isDeviceTensor(t) && t.location === 'gpu') {
        if (!t.buffer) throw new BackendInputError('GPU tensor without a buffer');
        return ort.Tensor.fromGpuBuffer(t.buffer, { dataType: 'float32', dims: [...t.dims] });
      }
      return hostFeed(t);
    },
    output: (n, t) => {
      if (t.type !== 'float32') throw new SessionRunError(n, `output is ${t.type}, expected float32`);
      if (t.location !== 'gpu-buffer') throw new SessionRunError(n, `output came back in '${t.location}', not a GPU buffer`);
      // Outputs live in ORT's buffer pool and die with their session (disposing one after its
      // session is released crashes ORT); a GPU-side copy makes every tensor ours to keep.
      const count = numel(t.dims);
      const buffer = ops.context.createBuffer(count, `output ${n}`);
      const source = t.gpuBuffer as GPUBuffer;
      if (count > 0) ops.context.submit(`output ${n}`, (enc) => enc.copyBufferToBuffer(source, 0, buffer, 0, count * 4));
      t.dispose();
      return { dims: [...t.dims], location: 'gpu', buffer };
    },
    check,
  };
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [{ name: 'webgpu', device }],
    preferredOutputLocation: 'gpu-buffer',
  };
  return {
    kind: 'webgpu',
    description: `onnxruntime-web WebGPU on ${adapterName(adapter)}${adapter.software ? ' (software)' : ''}`,
    decision,
    adapter,
    wasmThreads,
    ops: lossAwareOps(ops, check),
    device,
    createSession: (onnx, name) => {
      check();
      return createOrtSession(onnx, name, options, hooks, live);
    },
    upload: (data, dims) => {
      check();
      return ops.upload(data, dims);
    },
    download: async (t) => {
      check();
      if (t.location === 'cpu' && t.data) return t.data.slice(0, numel(t.dims));
      const data = await ops.download(t);
      check();
      return data;
    },
    release: (t) => {
      if (t.location === 'gpu') t.buffer?.destroy();
    },
    dispose: async () => {
      await releaseAll(live);
      device.destroy();
    },
  };
}
