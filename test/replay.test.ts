/**
 * Replays the official sampling runs (../shared/reference/opensora-tiny/sampling.json): the reference
 * checkpoint converted to an fp32 package, sampled by our engine on onnxruntime-node with the
 * recorded z0 / y_cond / mask / y_null, 30 steps, cfg 7, timestep transform at 64x64 px, 17 frames.
 * Each run must recompute exactly the same steps, make the same decisions and end at the same latent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { buildPackage, defaultProbeBlock } from '../src/convert/package.ts';
import type { PolicySpec } from '../src/engine/api.ts';
import { createEngine, type Engine, type PackageData } from '../src/engine/generate.ts';
import { createNodeBackend } from '../src/engine/nodeBackend.ts';
import type { FileRole } from '../src/model/manifest.ts';
import { maxRelError, REFERENCE_DIR, referenceConfig, referenceTensors } from './reference.ts';

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

export async function referencePackage(): Promise<PackageData> {
  const config = referenceConfig();
  const built = await buildPackage({
    name: 'reference-fp32',
    config,
    weights: referenceTensors('weights'),
    quant: 'fp32',
    sampling: { steps: 30, cfg: 7, height: 64, width: 64, numFrames: 17, fps: 24, latent: [4, 8, 8], useTimestepTransform: true, probeBlock: defaultProbeBlock(config.depth) },
  });
  const files: PackageData['files'] = {};
  for (const [role, f] of Object.entries(built.manifest.files) as [FileRole, { path: string }][]) files[role] = built.files.get(f.path)!;
  return { manifest: built.manifest, files };
}

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
