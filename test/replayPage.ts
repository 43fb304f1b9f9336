/**
 * Browser side of test/replay.browser.test.ts: the official sampling runs replayed by the engine's
 * createEngine/generate on a web backend, the package and sampling.safetensors served as fixtures.
 */
import type { BackendPreference } from '../src/engine/adapterChoice.ts';
import type { PolicySpec, StepRecord } from '../src/engine/api.ts';
import { createEngine } from '../src/engine/generate.ts';
import { createWebBackend } from '../src/engine/webBackend.ts';
import { parseManifest, type FileRole } from '../src/model/manifest.ts';
import { parseSafetensors, readFloat } from '../src/model/safetensors.ts';
import { fetchFixture } from './browser/fixtures.ts';

export interface ReplayResult {
  backend: string;
  kind: string;
  runs: Record<string, { records: StepRecord[]; recomputed: number[]; latent: number[]; ms: number }>;
}

async function runReplay(prefer: BackendPreference, runs: Record<string, PolicySpec>): Promise<ReplayResult> {
  const manifest = parseManifest(JSON.parse(new TextDecoder().decode(await fetchFixture('manifest.json'))));
  const files: Partial<Record<FileRole, Uint8Array>> = {};
  for (const [role, f] of Object.entries(manifest.files) as [FileRole, { path: string }][]) files[role] = await fetchFixture(f.path);
  const sampling = parseSafetensors(await fetchFixture('sampling.safetensors'), 'sampling.safetensors');
  const get = (n: string) => readFloat(sampling, n).data;
  const backend = await createWebBackend({ prefer });
  const engine = await createEngine({ manifest, files }, backend);
  const out: ReplayResult = { backend: backend.description, kind: backend.kind, runs: {} };
  try {
    for (const [name, policy] of Object.entries(runs)) {
      const res = await engine.generate({
        prompt: '',
        seed: 0,
        steps: 30,
        guidance: 7,
        policy,
        fps: 24,
        conditioning: { height: 64, width: 64, numFrames: 17 },
        noise: get('z0'),
        caption: { y: get('y_cond'), mask: get('mask'), yNull: get('y_null') },
        previews: false,
      });
      out.runs[name] = { records: res.trace.records, recomputed: res.trace.recomputed_steps, latent: Array.from(res.latent), ms: res.wallMs };
    }
    return out;
  } finally {
    await engine.dispose();
    await backend.dispose();
  }
}

Object.assign(window, { runReplay });
document.title = 'replay harness ready';
