/**
 * Replays the official sampling runs (../shared/reference/opensora-tiny/sampling.json): the reference
 * checkpoint converted to an fp32 package, sampled by our engine on onnxruntime-node with the
 * recorded z0 / y_cond / mask / y_null, 30 steps, cfg 7, timestep transform at 64x64 px, 17 frames.
 * Each run must recompute exactly the same steps, make the same decisions and end at the same latent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { PolicySpec } from '../src/engine/api.ts';
import { calibrate } from '../src/cache/calibrate.ts';
import { CodebookError } from '../src/cache/codebook.ts';
import type { GenerateRequest, StepEvent } from '../src/engine/api.ts';
import { createEngine, EmptyPromptError, RequestError, type Engine } from '../src/engine/generate.ts';
import { createNodeBackend } from '../src/engine/nodeBackend.ts';
import { maxRelError, REFERENCE_DIR, referenceTensors } from './reference.ts';
import { referencePackage } from './replayPackage.ts';

interface Decision {
  step: number;
  cache_diff: number;
  moreg: number;
  mograd: number;
  rate: number;
}
const golden = JSON.parse(readFileSync(join(REFERENCE_DIR, 'sampling.json'), 'utf8')) as {
  runs: Record<string, { recomputed_steps: number[]; decisions: Decision[]; model_timesteps: number[] }>;
};
const sampling = referenceTensors('sampling');

/** |a - b| within 1e-4 relative, or 1e-6 absolute for values below 1e-3. */
function close(a: number, b: number): boolean {
  return Math.abs(b) < 1e-3 ? Math.abs(a - b) <= 1e-6 : Math.abs(a - b) <= 1e-4 * Math.abs(b);
}

const RUNS: Record<string, PolicySpec> = {
  none: { kind: 'none' },
  adacache_fast: { kind: 'adacache', codebook: 'fast', moreg: false, probeBlock: 1 },
  adacache_slow: { kind: 'adacache', codebook: 'slow', moreg: false, probeBlock: 1 },
  adacache_fast_moreg: { kind: 'adacache', codebook: 'fast', moreg: true, probeBlock: 1 },
};

describe('replay of the official AdaCache runs', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine(await referencePackage(), await createNodeBackend({ threads: 1 }));
  }, 120_000);
  afterAll(async () => engine?.dispose());

  for (const [run, policy] of Object.entries(RUNS)) {
    it(`${run}: same recomputed steps, decisions and final latent`, async () => {
      const g = golden.runs[run]!;
      const res = await engine.generate({
        prompt: '',
        seed: 0,
        steps: 30,
        guidance: 7,
        policy,
        fps: 24,
        conditioning: { height: 64, width: 64, numFrames: 17 },
        noise: sampling.get('z0')!.data,
        caption: { y: sampling.get('y_cond')!.data, mask: sampling.get('mask')!.data, yNull: sampling.get('y_null')!.data },
      });
      expect(res.trace.records.map((r) => r.timestep)).toEqual(g.model_timesteps);
      expect(res.trace.recomputed_steps).toEqual(g.recomputed_steps);
      const decided = res.trace.records.filter((r) => r.distance !== undefined);
      expect(decided.map((r) => r.step)).toEqual(g.decisions.map((d) => d.step));
      const worst = { distance: 0, moreg: 0, mograd: 0 };
      g.decisions.forEach((d, i) => {
        const r = decided[i]!;
        expect(r.rate).toBe(d.rate);
        for (const [k, ref] of [['distance', d.cache_diff], ['moreg', d.moreg], ['mograd', d.mograd]] as const) {
          const got = r[k]!;
          if (!close(got, ref)) throw new Error(`${run} step ${d.step}: ${k} ${got} vs official ${ref}`);
          worst[k] = Math.max(worst[k], Math.abs(got - ref) / Math.max(Math.abs(ref), 1e-3));
        }
      });
      const err = maxRelError(res.latent, sampling.get(`z_final.${run}`)!.data);
      console.log(`replay ${run}: final latent max rel error ${err.toExponential(2)}, decision errors ${JSON.stringify(worst)}`);
      expect(err).toBeLessThan(1e-3);
    }, 120_000);
  }
});

describe('engine.generate on the reference package', () => {
  let engine: Engine;
  const caption = { y: sampling.get('y_cond')!.data, mask: sampling.get('mask')!.data };
  const base: GenerateRequest = { prompt: '', seed: 3, steps: 12, guidance: 7, policy: { kind: 'none' }, caption };
  beforeAll(async () => {
    engine = await createEngine(await referencePackage(), await createNodeBackend({ threads: 1 }));
  }, 120_000);
  afterAll(async () => engine?.dispose());

  it('gives the same latent for the same seed and another for another seed', async () => {
    const a = await engine.generate(base);
    const b = await engine.generate(base);
    const c = await engine.generate({ ...base, seed: 4 });
    expect(b.latent).toEqual(a.latent);
    expect(c.latent).not.toEqual(a.latent);
    expect(a.latentDims).toEqual([1, 4, 4, 8, 8]);
    expect(a.video).toMatchObject({ frames: 4, height: 8, width: 8, fps: 24 });
  });

  it('reports every step with a preview; the last preview is the final video', async () => {
    const events: StepEvent[] = [];
    const res = await engine.generate(base, (e) => events.push(e));
    expect(events.map((e) => e.record.step)).toEqual([...Array(12).keys()].map((i) => i + 1));
    expect(events.every((e) => e.preview?.rgb.length === 4 * 8 * 8 * 3)).toBe(true);
    expect(events.at(-1)!.preview!.rgb).toEqual(res.video.rgb);
    expect(events[0]!.preview!.rgb).not.toEqual(res.video.rgb);
  });

  it('stops when the signal aborts, and runs again afterwards', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const run = engine.generate(base, (e) => {
      seen.push(e.record.step);
      if (e.record.step === 3) ac.abort();
    }, ac.signal);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1, 2, 3]);
    expect((await engine.generate({ ...base, steps: 3 })).trace.recomputed_steps).toEqual([1, 2, 3]);
  });

  it('a reused step gives the same result as one skip-graph run as through embed, final and the kernels', async () => {
    const pkg = await referencePackage();
    const { skip: _, ...files } = pkg.manifest.files;
    const withoutSkip = await createEngine({ manifest: { ...pkg.manifest, files }, files: { ...pkg.files, skip: undefined } }, await createNodeBackend({ threads: 1 }));
    try {
      expect(engine.model.hasSkipGraph).toBe(true);
      expect(withoutSkip.model.hasSkipGraph).toBe(false);
      const req: GenerateRequest = { ...base, policy: { kind: 'static', interval: 3 } };
      const previews = (into: Float32Array[]) => (e: StepEvent) => void into.push(e.preview!.rgb);
      const [pa, pb]: Float32Array[][] = [[], []];
      const a = await engine.generate(req, previews(pa));
      const b = await withoutSkip.generate(req, previews(pb));
      expect(a.trace.recomputed_steps).toEqual([1, 4, 7, 10]);
      expect(b.trace.recomputed_steps).toEqual(a.trace.recomputed_steps);
      expect(maxRelError(a.latent, b.latent)).toBeLessThan(1e-5);
      // Step 2 is the first reused one: its preview (x0) comes from the skip graph's second output.
      expect(maxRelError(pa[1]!, pb[1]!)).toBeLessThan(1e-5);
    } finally {
      await withoutSkip.dispose();
    }
  });

  it('static interval 1 equals no caching; interval 3 computes every third step', async () => {
    const none = await engine.generate(base);
    expect((await engine.generate({ ...base, policy: { kind: 'static', interval: 1 } })).latent).toEqual(none.latent);
    const s3 = await engine.generate({ ...base, policy: { kind: 'static', interval: 3 } });
    expect(s3.trace.recomputed_steps).toEqual([1, 4, 7, 10]);
    expect(s3.latent).not.toEqual(none.latent);
  });

  it('TeaCache skips steps while the accumulated tea_input change stays below the threshold', async () => {
    const res = await engine.generate({ ...base, policy: { kind: 'teacache', threshold: 0.3 } });
    const rec = res.trace.records;
    expect(res.trace.recomputed_steps[0]).toBe(1);
    expect(res.trace.recomputed_steps.at(-1)).toBe(12);
    expect(res.trace.recomputed_steps.length).toBeLessThan(12);
    for (const r of rec.slice(1)) {
      expect(r.distance).toBeGreaterThan(0);
      if (!r.computed) expect(r.distance).toBeLessThan(0.3);
    }
  });

  it('calibration proposes a codebook whose predicted speedup the real cached run shows', async () => {
    const req = { ...base, steps: 30 };
    const cal = await calibrate(engine, [req], 2);
    expect(cal.predictedSpeedup).toBeGreaterThanOrEqual(2);
    const text = cal.codebook.map(([t, r]) => `${t}:${r}`).join(',');
    const res = await engine.generate({ ...req, policy: { kind: 'adacache', codebook: text, moreg: false } });
    expect(30 / res.trace.recomputed_steps.length).toBeCloseTo(cal.predictedSpeedup, 1);
  });

  it('rejects bad requests with a clear message', async () => {
    const bad = async (r: Partial<GenerateRequest> & Record<string, unknown>, err: unknown, msg: RegExp) =>
      expect(engine.generate({ ...base, ...r } as GenerateRequest)).rejects.toSatisfy((e: Error) => e instanceof (err as typeof Error) && msg.test(e.message));
    await bad({ steps: 1 }, RequestError, /steps must be an integer from 2 to 1000/);
    await bad({ steps: 2.5 }, RequestError, /steps/);
    await bad({ guidance: Number.NaN }, RequestError, /guidance/);
    await bad({ seed: -1 }, RequestError, /seed/);
    await bad({ caption: undefined, prompt: '  ' }, EmptyPromptError, /prompt is empty/);
    await bad({ caption: undefined, prompt: 'a cat' }, RequestError, /no text encoder: pass caption embeddings/);
    await bad({ policy: { kind: 'adacache', codebook: 'turbo', moreg: false } }, CodebookError, /unknown codebook "turbo"/);
    await bad({ policy: { kind: 'adacache', codebook: 'fast', moreg: false, probeBlock: 3 } }, RequestError, /probeBlock must be a temporal block index from 0 to 2/);
    await bad({ policy: { kind: 'static', interval: 0 } }, RequestError, /static interval/);
    await bad({ policy: { kind: 'teacache', threshold: -1 } }, RequestError, /TeaCache threshold/);
    await bad({ policy: { kind: 'pab' } as never }, RequestError, /unknown policy kind "pab"/);
    await bad({ noise: new Float32Array(5) }, RequestError, /noise must be a Float32Array of 1024 values/);
    await bad({ caption: { y: caption.y, mask: [1, 1] } }, RequestError, /caption.mask must have 8 entries/);
    await bad({ caption: { y: caption.y, mask: new Array(8).fill(0) } }, RequestError, /no valid token/);
    await bad({ height: 7 }, RequestError, /height must be a positive multiple of 2/);
    await bad({ numFrames: 4, conditioning: { height: 64, width: 64, numFrames: 8 } }, RequestError, /1 or at least 17 frames/);
  });
});

describe('loading a package', () => {
  it('releases the graphs it opened when a later one fails to compile', async () => {
    const pkg = await referencePackage();
    const backend = await createNodeBackend({ threads: 1 });
    const live = new Set<string>();
    const counting: typeof backend = Object.create(backend);
    counting.createSession = async (onnx, name) => {
      const s = await backend.createSession(onnx, name);
      live.add(name);
      return Object.assign(Object.create(s), {
        release: async () => {
          live.delete(name);
          await s.release();
        },
      });
    };
    const broken = { ...pkg, files: { ...pkg.files, final: new Uint8Array([1, 2, 3]) } };
    await expect(createEngine(broken, counting)).rejects.toThrow(/final\.onnx/);
    expect([...live]).toEqual([]);
  });
});
