/**
 * The web backend from a production build (`vite build` + `vite preview`), as the app ships:
 * ORT's wasm binary and the WGSL sources must come out of the bundle, in a page and a worker.
 */
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomData } from '../../src/kernels/testData.ts';
import type { ChainResult } from './backendChain.ts';
import { launchChromium, type ChromiumSession } from './chromium.ts';
import { serveFixtures } from './fixtures.ts';
import { affineGraph, affineReference, type Affine } from './tinyGraph.ts';
import { buildAndPreview, type TestServer } from './viteServer.ts';

const N = 3;
const K = 20;
const a: Affine = { k: K, m: K, w: randomData(K * K, 21, 0.3), b: randomData(K, 22) };
const x = randomData(N * K, 23);

let server: TestServer;
let browser: ChromiumSession;

beforeAll(async () => {
  server = await buildAndPreview(['test/browser/backend.html']);
  browser = await launchChromium();
  await serveFixtures(browser.context, new Map([['affine1.onnx', affineGraph(a)], ['affine2.onnx', affineGraph(a)]]));
  await browser.page.goto(`${server.url}/test/browser/backend.html`);
  await browser.page.waitForFunction(() => document.title === 'backend harness ready', undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('web backend from vite build + vite preview', () => {
  it.each([
    ['wasm', 'runAffineChain'],
    ['webgpu', 'runAffineChainInWorker'],
    ['wasm', 'runAffineChainInWorker'],
  ])('%s via %s', async (prefer, where) => {
    const r = await browser.page.evaluate(
      ([fn, p, xs]) =>
        (window as unknown as Record<string, (...args: unknown[]) => Promise<ChainResult>>)[fn]!(p, xs, 3, 20),
      [where, prefer, Array.from(x)] as const,
    );
    expect(r.backend.kind, browser.log.join('\n')).toBe(prefer);
    // vite preview sends COOP/COEP, so ORT gets SharedArrayBuffer and wasm threads.
    if (availableParallelism() > 1) expect(r.backend.wasmThreads).toBeGreaterThan(1);
    const y1 = affineReference(a, x, N);
    const want = affineReference(a, y1.map((v) => 2 * v), N);
    const scale = Math.max(...want.map(Math.abs));
    expect(Math.max(...r.y2.map((v, i) => Math.abs(v - want[i]!))) / scale).toBeLessThan(1e-5);
  });
});
