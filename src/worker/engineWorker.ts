/// <reference lib="webworker" />
/**
 * The engine's home in the page: loads the model package (verified, cached), picks the backend,
 * compiles the sessions and runs generations, posting every step as it is computed. The page
 * never waits on any of this.
 */
import { BUILTIN_CODEBOOKS } from '../cache/codebook.ts';
import type { GenerateRequest } from '../engine/api.ts';
import type { Backend } from '../engine/backend.ts';
import { createEngine, type Engine } from '../engine/generate.ts';
import { Stdit3Model } from '../engine/stdit3Model.ts';
import { createWebBackend, type WebBackend } from '../engine/webBackend.ts';
import { defaultStore } from '../model/cache.ts';
import { loadModelPackage, type FetchedPackage } from '../model/loader.ts';
import { captionFromPrompt } from './caption.ts';
import { classifyError } from './errors.ts';
import type { CodebookRow, FromWorker, ModelInfo, ToWorker } from './protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function send(msg: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

interface Loaded {
  pkg: FetchedPackage;
  backend: WebBackend;
  engine: Engine;
  /** Set once the GPU device is gone; every failure after that is the loss, whatever it says. */
  deviceLost: string | null;
  /** Runs in flight to stop when the device goes (one listener on the device, not one per run). */
  onLost: Set<() => void>;
}

let loaded: Loaded | null = null;
/** The page's number of the newest load, so a slow, superseded load cannot overwrite a newer one. */
let latestLoad = 0;
const runs = new Map<number, AbortController>();

/** Reports each ONNX session as it compiles (the slow part of loading on WebGPU). */
function withCompileProgress(backend: Backend, count: number, load: number): Backend {
  let index = 0;
  return Object.assign(Object.create(backend) as Backend, {
    async createSession(onnx: Uint8Array, name: string) {
      const i = index++;
      const session = name.split('/').pop() ?? name;
      send({ type: 'compile', load, session, index: i, count, done: false });
      const s = await backend.createSession(onnx, name);
      send({ type: 'compile', load, session, index: i, count, done: true });
      return s;
    },
  });
}

function rows(cb: [number, number][]): CodebookRow[] {
  return cb.map(([threshold, rate]) => ({ threshold, rate }));
}

function describe(pkg: FetchedPackage, backend: WebBackend): ModelInfo {
  const m = pkg.manifest;
  const [frames, lh, lw] = m.sampling.latent;
  return {
    name: m.name,
    backend: backend.kind,
    backendDescription: backend.description,
    ...(backend.decision.fallback ? { fallback: backend.decision.fallback } : {}),
    vocabulary: m.textEncoder.kind === 'grammar' ? (m.textEncoder.vocabulary ?? []) : [],
    takesText: m.textEncoder.kind !== 'none',
    codebooks: Object.fromEntries(Object.entries({ ...BUILTIN_CODEBOOKS, ...m.codebooks }).map(([k, v]) => [k, rows(v)])),
    defaults: {
      steps: m.sampling.steps,
      guidance: m.sampling.cfg,
      frames,
      height: lh,
      width: lw,
      fps: m.sampling.fps,
    },
  };
}

async function unload(): Promise<void> {
  for (const ac of runs.values()) ac.abort();
  const prev = loaded;
  loaded = null;
  if (prev) {
    await prev.engine.dispose().catch(() => undefined);
    await prev.backend.dispose().catch(() => undefined);
  }
}

async function load(msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  const { load: seq } = msg;
  latestLoad = seq;
  if (loaded) send({ type: 'load-stage', load: seq, stage: 'releasing' });
  await unload();
  let backend: WebBackend | undefined;
  try {
    send({ type: 'load-stage', load: seq, stage: 'manifest' });
    const store = await defaultStore();
    const pkg = await loadModelPackage(msg.modelUrl, { store, onProgress: (progress) => send({ type: 'file', load: seq, progress }) });
    send({ type: 'load-stage', load: seq, stage: 'backend' });
    backend = await createWebBackend({ prefer: msg.backend });
    const graphs = (['embed', 'stack', 'final', 'skip', 'text_encoder'] as const).filter((r) => pkg.files[r]).length;
    const tracked = withCompileProgress(backend, graphs, seq);
    const model = await Stdit3Model.load(pkg.manifest, pkg.files, tracked);
    const engine = await createEngine(pkg, tracked, { model });
    if (seq !== latestLoad) {
      await engine.dispose();
      await model.release();
      await backend.dispose();
      return;
    }
    const entry: Loaded = { pkg, backend, engine, deviceLost: null, onLost: new Set() };
    void backend.device?.lost.then((info) => {
      entry.deviceLost = info.message || info.reason || 'device lost';
      for (const stop of entry.onLost) stop();
    });
    loaded = entry;
    send({ type: 'ready', load: seq, info: describe(pkg, backend) });
  } catch (e) {
    await backend?.dispose().catch(() => undefined);
    if (seq === latestLoad) send({ type: 'load-error', load: seq, error: classifyError(e) });
  }
}

async function generate(id: number, request: GenerateRequest, cancelFlag?: Int32Array): Promise<void> {
  const current = loaded;
  if (!current) {
    send({ type: 'run-error', id, error: { name: 'NotReady', kind: 'internal', message: 'The model is not loaded yet.' } });
    return;
  }
  const ac = new AbortController();
  runs.set(id, ac);
  // Some drivers leave a GPU read pending forever once the device is destroyed, so the loss
  // itself ends the run; the catch below names it.
  let stopOnLoss = (): void => undefined;
  const loss = new Promise<never>((_, reject) => {
    stopOnLoss = () => {
      ac.abort();
      reject(new Error('device lost'));
    };
  });
  loss.catch(() => undefined);
  if (current.deviceLost !== null) stopOnLoss();
  else current.onLost.add(stopOnLoss);
  try {
    const m = current.pkg.manifest;
    // Packages without a text encoder take caption embeddings; the prompt picks a fixed one.
    const full: GenerateRequest =
      m.textEncoder.kind === 'none' && !request.caption
        ? (() => {
            const c = captionFromPrompt(request.prompt, m.config.model_max_length, m.config.caption_channels);
            const mask = Array.from({ length: m.config.model_max_length }, (_, i) => (i < c.tokens ? 1 : 0));
            return { ...request, caption: { y: c.y, mask } };
          })()
        : request;
    const running = current.engine.generate(
      full,
      (event) => {
        // The sampler checks the signal before each step; the shared flag reaches us mid-run.
        if (cancelFlag && Atomics.load(cancelFlag, 0) === 1) ac.abort();
        // Copies so the engine keeps its buffers; the copy is handed over without another copy.
        const preview = event.preview ? { ...event.preview, rgb: event.preview.rgb.slice() } : undefined;
        send({ type: 'step', id, event: { record: event.record, ...(preview ? { preview } : {}) } }, preview ? [preview.rgb.buffer] : []);
      },
      ac.signal,
    );
    running.catch(() => undefined);
    const result = await Promise.race([running, loss]);
    // The page keeps what was asked for; the derived caption is an implementation detail.
    send({ type: 'done', id, result: { ...result, request } });
  } catch (e) {
    // A destroyed device rejects pending reads with AbortError; that is a loss, not a cancel.
    let lost = current.deviceLost;
    const device = current.backend.device;
    if (lost === null && !ac.signal.aborted && device) {
      const info = await Promise.race([device.lost, new Promise<null>((r) => setTimeout(() => r(null), 250))]);
      if (info) lost = info.message || info.reason || 'device lost';
    }
    const cause = lost !== null ? Object.assign(new Error(`The GPU device was lost (${lost}).`), { name: 'DeviceLostError' }) : ac.signal.aborted ? new DOMException('cancelled', 'AbortError') : e;
    send({ type: 'run-error', id, error: classifyError(cause) });
  } finally {
    runs.delete(id);
    current.onLost.delete(stopOnLoss);
  }
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'load':
      void load(msg);
      return;
    case 'generate':
      void generate(msg.id, msg.request, msg.cancelFlag);
      return;
    case 'cancel':
      runs.get(msg.id)?.abort();
      return;
    case 'lose-device':
      // Destroying the device is what a driver reset does to us: every later GPU call fails.
      // The sessions stay open, as they would then; the reload that follows releases them.
      loaded?.backend.device?.destroy();
      return;
  }
};
