/**
 * The official AdaCache runs replayed in headless Chromium through createEngine/generate on the web
 * backends: WebGPU (SwiftShader; tensors in GPU buffers, the WGSL metric, skip, guidance and Euler
 * kernels) and WASM. Same checks as test/replay.test.ts. SwiftShader is slow, so WebGPU replays the
 * MoReg run only (it exercises every kernel the policies use); WASM replays all four.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicySpec } from '../src/engine/api.ts';
import { launchChromium, type ChromiumSession } from './browser/chromium.ts';
import { serveFixtures } from './browser/fixtures.ts';
import { startViteServer, type TestServer } from './browser/viteServer.ts';
import { referencePackage } from './replayPackage.ts';
import { maxRelError, REFERENCE_DIR, referenceTensors } from './reference.ts';
import type { ReplayResult } from './replayPage.ts';

const golden = JSON.parse(readFileSync(join(REFERENCE_DIR, 'sampling.json'), 'utf8')) as {
  runs: Record<string, { recomputed_steps: number[]; decisions: { step: number; cache_diff: number; moreg: number; mograd: number; rate: number }[] }>;
};
const sampling = referenceTensors('sampling');

const RUNS: Record<string, PolicySpec> = {
  none: { kind: 'none' },
  adacache_fast: { kind: 'adacache', codebook: 'fast', moreg: false, probeBlock: 1 },
  adacache_slow: { kind: 'adacache', codebook: 'slow', moreg: false, probeBlock: 1 },
  adacache_fast_moreg: { kind: 'adacache', codebook: 'fast', moreg: true, probeBlock: 1 },
};

let server: TestServer;
let browser: ChromiumSession;

beforeAll(async () => {
  const pkg = await referencePackage();
  const files = new Map<string, Uint8Array>();
  for (const [role, f] of Object.entries(pkg.manifest.files)) files.set(f!.path, pkg.files[role as keyof typeof pkg.files]!);
  files.set('manifest.json', new TextEncoder().encode(JSON.stringify(pkg.manifest)));
  files.set('sampling.safetensors', new Uint8Array(readFileSync(join(REFERENCE_DIR, 'sampling.safetensors'))));
  server = await startViteServer();
  browser = await launchChromium();
  await serveFixtures(browser.context, files);
  await browser.page.goto(`${server.url}/test/replay.html`);
  await browser.page.waitForFunction(() => document.title === 'replay harness ready', undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Decision tolerance: 1e-4 relative (1e-6 absolute below 1e-3) as in Node; on WebGPU 5e-4, since
 * the GPU forward differs from PyTorch by ~1e-5 and MoReg's power 8 multiplies that eightfold.
 */
function check(result: ReplayResult, run: string): string {
  const rel = result.kind === 'webgpu' ? 5e-4 : 1e-4;
  const g = golden.runs[run]!;
  const r = result.runs[run]!;
  expect(r.recomputed).toEqual(g.recomputed_steps);
  const decided = r.records.filter((x) => x.distance !== undefined);
  expect(decided.map((x) => x.step)).toEqual(g.decisions.map((d) => d.step));
  let worst = 0;
  g.decisions.forEach((d, i) => {
    const x = decided[i]!;
    expect(x.rate).toBe(d.rate);
    for (const [got, ref] of [[x.distance!, d.cache_diff], [x.moreg!, d.moreg], [x.mograd!, d.mograd]]) {
      const ok = Math.abs(ref!) < 1e-3 ? Math.abs(got! - ref!) <= 1e-6 : Math.abs(got! - ref!) <= rel * Math.abs(ref!);
      if (!ok) throw new Error(`${result.kind} ${run} step ${d.step}: ${got} vs official ${ref}`);
      if (Math.abs(ref!) >= 1e-3) worst = Math.max(worst, Math.abs(got! - ref!) / Math.abs(ref!));
    }
  });
  const err = maxRelError(Float32Array.from(r.latent), sampling.get(`z_final.${run}`)!.data);
  expect(err).toBeLessThan(1e-3);
  return `${result.kind} ${run}: latent rel err ${err.toExponential(2)}, decisions rel err ${worst.toExponential(2)}, ${(r.ms / 1000).toFixed(1)} s`;
}

describe('official runs replayed in Chromium', () => {
  it('webgpu: AdaCache fast + MoReg', async () => {
    const runs = { adacache_fast_moreg: RUNS.adacache_fast_moreg! };
    const result = await browser.page.evaluate(
      (r) => (window as unknown as { runReplay(p: string, r: unknown): Promise<ReplayResult> }).runReplay('webgpu', r),
      runs,
    );
    expect(result.kind).toBe('webgpu');
    console.log(check(result, 'adacache_fast_moreg'));
  }, 300_000);

  it('wasm: all four runs', async () => {
    const result = await browser.page.evaluate(
      (r) => (window as unknown as { runReplay(p: string, r: unknown): Promise<ReplayResult> }).runReplay('wasm', r),
      RUNS,
    );
    expect(result.kind).toBe('wasm');
    for (const run of Object.keys(RUNS)) console.log(check(result, run));
  }, 300_000);
});
