/**
 * createWebBackend in headless Chromium (SwiftShader WebGPU adapter): backend choice, and a
 * chain of two ONNX sessions with a WGSL kernel between them, tensors staying on the backend,
 * compared with a float64 reference computed in Node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomData } from '../../src/kernels/testData.ts';
import type { BackendInfo, ChainResult } from './backendChain.ts';
import { launchChromium, type ChromiumSession } from './chromium.ts';
import { serveFixtures } from './fixtures.ts';
import { affineGraph, affineReference, type Affine } from './tinyGraph.ts';
import { startViteServer, type TestServer } from './viteServer.ts';

const N = 5;
const K = 33;
const M = 17;
const a1: Affine = { k: K, m: M, w: randomData(K * M, 1, 0.3), b: randomData(M, 2) };
const a2: Affine = { k: M, m: M, w: randomData(M * M, 3, 0.3), b: randomData(M, 4) };
const x = randomData(N * K, 5);

let server: TestServer;
let browser: ChromiumSession;

interface Page {
  backendErrors(prefer: string): Promise<string[]>;
  backendInfo(prefer: string): Promise<BackendInfo>;
  runAffineChain(prefer: string, x: number[], n: number, k: number): Promise<ChainResult>;
  runAffineChainInWorker(prefer: string, x: number[], n: number, k: number): Promise<ChainResult>;
}

beforeAll(async () => {
  server = await startViteServer();
  browser = await launchChromium();
  await serveFixtures(browser.context, new Map([
    ['affine1.onnx', affineGraph(a1)],
    ['affine2.onnx', affineGraph(a2)],
  ]));
  await browser.page.goto(`${server.url}/test/browser/backend.html`);
  await browser.page.waitForFunction(() => document.title === 'backend harness ready', undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function expected() {
  const y1 = affineReference(a1, x, N);
  const doubled = y1.map((v) => v * 2);
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < y1.length; i++) {
    diff += Math.abs(y1[i]! - doubled[i]!);
    ref += Math.abs(y1[i]!);
  }
  return { y2: affineReference(a2, doubled, N), diff, ref };
}

function maxRel(got: number[], want: Float32Array): number {
  let num = 0;
  let den = 0;
  got.forEach((g, i) => {
    num = Math.max(num, Math.abs(g - want[i]!));
    den = Math.max(den, Math.abs(want[i]!));
  });
  return num / den;
}

const call = <K extends keyof Page>(name: K, ...args: Parameters<Page[K]>) =>
  browser.page.evaluate(
    ([fn, rest]) => (window as unknown as Record<string, (...a: unknown[]) => unknown>)[fn]!(...rest),
    [name, args] as [string, unknown[]],
  ) as ReturnType<Page[K]>;

describe('createWebBackend in headless Chromium', () => {
  it("'auto' picks WASM on the software adapter and records why", async () => {
    const info = await call('backendInfo', 'auto');
    expect(info.kind).toBe('wasm');
    expect(info.adapter).toMatch(/swiftshader/i);
    expect(info.fallback).toMatch(/software WebGPU adapter/);
    expect(info.wasmThreads).toBeGreaterThanOrEqual(1);
  });

  it.each(['webgpu', 'wasm'])('%s: bad input gets named errors', async (prefer) => {
    const [badPrefer, empty, garbage, missing, lost, lostKernel] = await call('backendErrors', prefer);
    expect(badPrefer).toMatch(/^BackendInputError: createWebBackend: prefer must be/);
    expect(empty).toBe("SessionCreateError: could not load ONNX graph 'empty': empty model bytes");
    expect(garbage).toMatch(/^SessionCreateError: could not load ONNX graph 'garbage'/);
    expect(missing).toBe('SessionRunError: affine1: missing inputs: x');
    if (prefer === 'webgpu') {
      expect(lost).toMatch(/^WebGpuDeviceLostError: WebGPU device lost/);
      expect(lostKernel).toMatch(/^WebGpuDeviceLostError/);
    }
  });

  it.each([
    ['webgpu', 'runAffineChain'],
    ['wasm', 'runAffineChain'],
    ['webgpu', 'runAffineChainInWorker'],
    ['wasm', 'runAffineChainInWorker'],
  ] as const)('%s: session -> kernel -> session chain matches the reference (%s)', async (prefer, where) => {
    const r = await call(where, prefer, Array.from(x), N, K);
    const want = expected();
    expect(r.backend.kind, browser.log.join('\n')).toBe(prefer);
    expect(new Set(r.locations)).toEqual(new Set([prefer === 'webgpu' ? 'gpu' : 'cpu']));
    expect(maxRel(r.y2, want.y2)).toBeLessThan(1e-5);
    expect(r.y2Early).toEqual(r.y2);
    expect(Math.abs(r.sums.diff - want.diff) / want.diff).toBeLessThan(1e-5);
    expect(Math.abs(r.sums.ref - want.ref) / want.ref).toBeLessThan(1e-5);
  });
});
