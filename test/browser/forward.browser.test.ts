/**
 * The reference STDiT3 checkpoint converted by the CLI (`convert`), run through the engine's
 * Stdit3Model (embed -> stack -> final) in headless Chromium on both web backends, with every
 * intermediate kept on the backend (GPU buffers on WebGPU/SwiftShader), against the official
 * code's forward output in forward.safetensors: max|a-b| / max|b| <= 1e-4.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors, readFloat, type FloatTensor } from '../../src/model/safetensors.ts';
import { launchChromium, type ChromiumSession } from './chromium.ts';
import { serveFixtures } from './fixtures.ts';
import type { ForwardInputs, ForwardResult } from './referenceForward.ts';
import { startViteServer, type TestServer } from './viteServer.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REF = join(ROOT, '../shared/reference/opensora-tiny');

let server: TestServer;
let browser: ChromiumSession;
let packageDir: string;
let inputs: ForwardInputs;
let want: { out: FloatTensor; probe: FloatTensor };

beforeAll(async () => {
  packageDir = await mkdtemp(join(tmpdir(), 'adacache-ref-package-'));
  await promisify(execFile)(
    join(ROOT, 'node_modules/.bin/tsx'),
    ['src/cli/main.ts', 'convert', '--weights', join(REF, 'weights.safetensors'), '--config', join(REF, 'config.json'), '--out', packageDir],
    { cwd: ROOT },
  );
  const files = new Map<string, Uint8Array>();
  for (const name of await readdir(packageDir)) files.set(name, new Uint8Array(await readFile(join(packageDir, name))));

  const fwd = parseSafetensors(new Uint8Array(await readFile(join(REF, 'forward.safetensors'))), 'forward.safetensors');
  const get = (name: string) => readFloat(fwd, name);
  const plain = (t: FloatTensor) => ({ dims: t.dims, data: Array.from(t.data) });
  const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))) as { sampling: { probeBlock: number } };
  inputs = {
    x: plain(get('x')),
    timestep: Array.from(get('timestep').data),
    fps: Array.from(get('fps').data),
    y: plain(get('y')),
    mask: plain(get('mask')),
    height: get('height').data[0]!,
    width: get('width').data[0]!,
  };
  want = { out: get('out'), probe: get(`temporal_blocks.${manifest.sampling.probeBlock}.attn_res`) };

  server = await startViteServer();
  browser = await launchChromium();
  await serveFixtures(browser.context, files);
  await browser.page.goto(`${server.url}/test/browser/backend.html`);
  await browser.page.waitForFunction(() => document.title === 'backend harness ready', undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (packageDir) await rm(packageDir, { recursive: true, force: true });
});

/** max|a - b| / max|b|. */
function relMax(got: number[], ref: Float32Array): number {
  expect(got).toHaveLength(ref.length);
  let num = 0;
  let den = 0;
  got.forEach((g, i) => {
    num = Math.max(num, Math.abs(g - ref[i]!));
    den = Math.max(den, Math.abs(ref[i]!));
  });
  return num / den;
}

describe('reference forward in headless Chromium', () => {
  it.each(['webgpu', 'wasm'])('%s: embed -> stack -> final matches forward.safetensors within 1e-4', async (prefer) => {
    const r = await browser.page.evaluate(
      ([p, i]) =>
        (window as unknown as { runReferenceForward(p: string, i: ForwardInputs): Promise<ForwardResult> }).runReferenceForward(p, i),
      [prefer, inputs] as const,
    );
    expect(r.kind, browser.log.join('\n')).toBe(prefer);
    // Every tensor stayed on the backend: GPU buffers on WebGPU, host memory on WASM.
    expect(new Set(r.locations)).toEqual(new Set([prefer === 'webgpu' ? 'gpu' : 'cpu']));
    expect(r.out.dims).toEqual(want.out.dims);
    const outErr = relMax(r.out.values, want.out.data);
    console.log(`${r.backend}: load ${r.ms.load.toFixed(0)} ms, forward ${r.ms.forward.toFixed(0)} ms, out rel err ${outErr.toExponential(2)}`);
    expect(outErr).toBeLessThanOrEqual(1e-4);
    expect(relMax(r.probe.values, want.probe.data)).toBeLessThanOrEqual(1e-4);
    // The skip graph computes the same float32 operations as the separate graphs and kernels.
    expect(relMax(r.reused.skipGraph, Float32Array.from(r.reused.composed))).toBeLessThanOrEqual(1e-5);
  });
});
