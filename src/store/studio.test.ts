/**
 * The store's bookkeeping around the worker protocol: runs, compare, history, notices, recovery.
 * The worker side is played by the test through the message protocol; the engine itself is tested
 * elsewhere and end to end in e2e/.
 */
import { describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerateResult, VideoFrames } from '../engine/api.ts';
import type { FromWorker, ModelInfo, ToWorker } from '../worker/protocol.ts';
import { memoryHistory } from './history.ts';
import { createStudio, speedup, type EngineLink } from './studio.ts';

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
  const l: EngineLink = {
    post: (m) => void sent.push(m),
    onMessage: (h) => {
      handler = h;
    },
  };
  return { l, sent, reply: (m: FromWorker) => handler(m) };
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
  expect(w.sent[0]).toEqual({ type: 'load', modelUrl: 'http://x/m/', backend: 'auto' });
  w.reply({ type: 'ready', info: INFO });
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
    w.reply({ type: 'load-stage', stage: 'releasing' });
    expect(store.getState().model.stage).toBe('releasing');
  });
});
