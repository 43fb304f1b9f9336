/**
 * The store's bookkeeping around the worker protocol: runs, compare, history, notices, recovery.
 * The worker side is played by the test through the message protocol; the engine itself is tested
 * elsewhere and end to end in e2e/.
 */
import { describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerateResult, VideoFrames } from '../engine/api.ts';
import type { EngineFailure, EngineLink } from '../worker/link.ts';
import type { FromWorker, ModelInfo, ToWorker } from '../worker/protocol.ts';
import { memoryHistory } from './history.ts';
import { createStudio, speedup } from './studio.ts';

const INFO: ModelInfo = {
  name: 'm',
  backend: 'wasm',
  backendDescription: 'wasm',
  vocabulary: [],
  takesText: true,
  codebooks: {},
  defaults: { steps: 30, guidance: 7, frames: 2, height: 4, width: 4, fps: 8 },
};

function link() {
  const sent: ToWorker[] = [];
  let handler: (m: FromWorker) => void = () => undefined;
  let failed: (f: EngineFailure) => void = () => undefined;
  const l: EngineLink = {
    post: (m) => void sent.push(m),
    onMessage: (h) => {
      handler = h;
    },
    onFailure: (h) => {
      failed = h;
    },
  };
  const lastLoad = () => (sent.filter((m) => m.type === 'load').at(-1) as Extract<ToWorker, { type: 'load' }>).load;
  return { l, sent, lastLoad, reply: (m: FromWorker) => handler(m), fail: (f: EngineFailure) => failed(f) };
}

function video(v: number): VideoFrames {
  return { frames: 2, height: 4, width: 4, fps: 8, rgb: new Float32Array(96).fill(v) };
}

function result(request: GenerateRequest, wallMs: number, v: number, computed: number[]): GenerateResult {
  return {
    request,
    latent: new Float32Array(1),
    latentDims: [1],
    video: video(v),
    trace: { policy: request.policy, steps: request.steps, recomputed_steps: computed, records: [] },
    wallMs,
    backend: 'wasm',
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

async function ready() {
  const w = link();
  const queries: string[] = [];
  let n = 0;
  const store = createStudio({ link: w.l, history: async () => memoryHistory(), modelUrl: 'http://x/m/', writeQuery: (q) => queries.push(q), newId: () => `id${++n}` });
  await store.getState().init('?prompt=a+red+circle&steps=4&codebook=fast');
  expect(w.sent[0]).toEqual({ type: 'load', load: 1, modelUrl: 'http://x/m/', backend: 'auto' });
  w.reply({ type: 'ready', load: 1, info: INFO });
  return { store, w, queries };
}

describe('studio store', () => {
  it('refuses an empty prompt with a message and sends nothing', async () => {
    const { store, w } = await ready();
    store.getState().setSettings({ prompt: '  ' });
    expect(await store.getState().generate()).toBeNull();
    expect(store.getState().notices.map((n) => n.kind)).toEqual(['empty-prompt']);
    expect(w.sent.filter((m) => m.type === 'generate')).toHaveLength(0);
  });

  it('collects steps, stores the result in history and writes settings to the URL', async () => {
    const { store, w, queries } = await ready();
    store.getState().setSettings({ seed: 7 });
    expect(queries.at(-1)).toContain('seed=7');
    const done = store.getState().generate();
    const req = w.sent.at(-1) as Extract<ToWorker, { type: 'generate' }>;
    expect(req.request).toMatchObject({ prompt: 'a red circle', seed: 7, steps: 4, policy: { kind: 'adacache', codebook: 'fast', moreg: false } });
    for (let step = 1; step <= 2; step++) {
      w.reply({ type: 'step', id: req.id, event: { record: { step, timestep: 1000, computed: true, ms: 1 }, preview: video(step / 10) } });
      expect(store.getState().run!.records).toHaveLength(step);
    }
    w.reply({ type: 'done', id: req.id, result: result(req.request, 100, 0.5, [1, 2]) });
    const entry = await done;
    expect(entry?.settings.seed).toBe(7);
    expect(store.getState().history).toHaveLength(1);
    expect(store.getState().current?.id).toBe(entry?.id);
  });

  it('compare runs the baseline then the policy and scores them', async () => {
    const { store, w } = await ready();
    const done = store.getState().compareRun();
    const base = w.sent.at(-1) as Extract<ToWorker, { type: 'generate' }>;
    expect(base.request.policy).toEqual({ kind: 'none' });
    w.reply({ type: 'done', id: base.id, result: result(base.request, 300, 0.5, [1, 2, 3, 4]) });
    await tick();
    await tick();
    const cached = w.sent.at(-1) as Extract<ToWorker, { type: 'generate' }>;
    expect(cached.request.policy.kind).toBe('adacache');
    w.reply({ type: 'done', id: cached.id, result: result(cached.request, 100, 0.6, [1, 2, 4]) });
    await done;
    const c = store.getState().compare!;
    expect(c.status).toBe('done');
    expect(speedup(c)).toBeCloseTo(3);
    expect(c.psnr).toBeCloseTo(20, 3);
    expect(c.ssim).toBeGreaterThan(0);
    expect(store.getState().history.map((e) => e.role)).toEqual(['cached', 'baseline']);
    // Reopening from history finds the same baseline.
    store.getState().compareEntry(store.getState().history[0]!.id);
    expect(store.getState().compare?.baseline?.id).toBe(c.baseline!.id);
  });

  it('on device loss keeps history, says so and loads the model again', async () => {
    const { store, w } = await ready();
    const done = store.getState().generate();
    const req = w.sent.at(-1) as Extract<ToWorker, { type: 'generate' }>;
    w.reply({ type: 'run-error', id: req.id, error: { name: 'WebGpuDeviceLostError', kind: 'device-lost', message: 'lost' } });
    expect(await done).toBeNull();
    expect(store.getState().run?.status).toBe('error');
    expect(store.getState().notices.map((n) => n.kind)).toEqual(['device-lost', 'info']);
    expect(w.sent.at(-1)).toMatchObject({ type: 'load' });
    expect(store.getState().model.status).toBe('loading');
    expect(store.getState().model.stage).toBeUndefined();
    w.reply({ type: 'load-stage', load: w.lastLoad(), stage: 'releasing' });
    expect(store.getState().model.stage).toBe('releasing');
  });

  it('shows only the newest load: a superseded one neither reports progress nor becomes the model', async () => {
    const { store, w } = await ready();
    store.getState().setSettings({ backend: 'webgpu' });
    const first = w.lastLoad();
    store.getState().setSettings({ backend: 'wasm' });
    const second = w.lastLoad();
    expect(second).toBeGreaterThan(first);
    w.reply({ type: 'load-stage', load: first, stage: 'backend' });
    w.reply({ type: 'file', load: first, progress: { path: 'a.onnx', stage: 'downloading', loaded: 1, total: 2 } });
    w.reply({ type: 'ready', load: first, info: { ...INFO, backend: 'webgpu' } });
    expect(store.getState().model).toMatchObject({ status: 'loading', files: {} });
    expect(store.getState().model.stage).toBeUndefined();
    w.reply({ type: 'load-stage', load: second, stage: 'manifest' });
    w.reply({ type: 'ready', load: second, info: INFO });
    expect(store.getState().model).toMatchObject({ status: 'ready', stage: 'manifest', info: { backend: 'wasm' } });
  });

  it('a worker that died mid-run ends the run, keeps history and loads the model into its replacement', async () => {
    const { store, w } = await ready();
    const first = store.getState().generate();
    const req = w.sent.at(-1) as Extract<ToWorker, { type: 'generate' }>;
    w.reply({ type: 'done', id: req.id, result: result(req.request, 100, 0.5, [1, 2]) });
    await first;
    const second = store.getState().generate();
    const loads = w.sent.filter((m) => m.type === 'load').length;
    w.fail({ message: 'Uncaught RangeError: out of bounds', restarted: true });
    expect(await second).toBeNull();
    expect(store.getState().run?.status).toBe('error');
    expect(store.getState().history).toHaveLength(1);
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'internal', title: 'The engine stopped' });
    expect(store.getState().notices.at(-1)!.detail).toContain('out of bounds');
    expect(w.sent.filter((m) => m.type === 'load')).toHaveLength(loads + 1);
    expect(store.getState().model.status).toBe('loading');
  });

  it('a worker that could not start leaves the model in error with a message, not loading forever', async () => {
    const w = link();
    const store = createStudio({ link: w.l, history: async () => memoryHistory(), modelUrl: 'http://x/m/' });
    await store.getState().init('');
    w.fail({ message: 'SyntaxError: Unexpected token', restarted: false });
    expect(store.getState().model.status).toBe('error');
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'internal', title: 'The engine could not start' });
    expect(w.sent.filter((m) => m.type === 'load')).toHaveLength(1);
  });
});
