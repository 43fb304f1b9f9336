/**
 * The WGSL kernels in real headless Chromium (WebGPU on SwiftShader here), loaded through Vite
 * with `?raw` shader imports, against the TypeScript twins run in Node. Same tolerances as the
 * Node kernel test: element-wise within 2 ulp, L1 sums 1e-5 relative.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuTensorOps, hostTensor } from '../../src/kernels/cpuOps.ts';
import { maxRelDiff } from '../../src/kernels/testData.ts';
import { launchChromium, type ChromiumSession } from './chromium.ts';
import { BROWSER_CASES, executeCase, type KernelCase } from './kernelCases.ts';
import type { KernelRun } from './kernelsPage.ts';
import { startViteServer, type TestServer } from './viteServer.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startViteServer();
});

afterAll(async () => {
  await server?.close();
});

const twin = {
  ops: cpuTensorOps,
  upload: hostTensor,
  download: async (t: { data?: Float32Array }) => t.data!,
  release: () => undefined,
};

describe.each([
  ['swiftshader', 'core'],
  ['llvmpipe', 'compatibility'],
] as const)('WGSL kernels in headless Chromium on %s vs TypeScript twins', (adapter, featureLevel) => {
  let browser: ChromiumSession;

  beforeAll(async () => {
    browser = await launchChromium({ adapter });
    await browser.page.goto(`${server.url}/test/browser/kernels.html`);
    await browser.page.waitForFunction(() => document.title === 'kernel harness ready');
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('every case matches its twin', async () => {
    const run = await browser.page.evaluate(
      ([cases, level]) =>
        (window as unknown as { runKernelCases(c: KernelCase[], l: string): Promise<KernelRun> }).runKernelCases(cases, level),
      [BROWSER_CASES as KernelCase[], featureLevel] as const,
    );
    // SwiftShader names itself; the OpenGL ES (llvmpipe) adapter is nameless and compatibility-only.
    if (adapter === 'swiftshader') expect(run.adapter).toMatch(/swiftshader/i);
    else expect([run.adapter, run.coreFeatures]).toEqual(['', false]);
    expect(run.validationError, browser.log.join('\n')).toBeNull();
    expect(run.results).toHaveLength(BROWSER_CASES.length);
    for (const [i, c] of BROWSER_CASES.entries()) {
      const want = await executeCase(twin, c);
      const got = run.results[i]!;
      const label = `${c.op} ${JSON.stringify(c)} on ${run.adapter}`;
      expect(got.dims, label).toEqual(want.dims);
      const tol = c.op === 'l1Sums' || c.op === 'frameShiftSums' ? 1e-5 : 2 * 2 ** -23 * 8;
      // Sums: relative to each value; tensors: per element against max(|want|, 1).
      const floor = c.op === 'l1Sums' || c.op === 'frameShiftSums' ? 0 : 1;
      expect(maxRelDiff(Float32Array.from(got.values), Float32Array.from(want.values), floor), label).toBeLessThanOrEqual(tol);
    }
  });

  it('rejects bad input in the page with KernelInputError', async () => {
    const message = await browser.page.evaluate(async () => {
      const w = window as unknown as { runKernelCases(c: unknown[]): Promise<unknown> };
      try {
        await w.runKernelCases([{ op: 'frameShiftSums', dims: [1, 6, 2], seed: 1, tokensPerFrame: 4, strides: [1] }]);
        return 'no error';
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    });
    expect(message).toMatch(/^KernelInputError: frameShiftSums: tokensPerFrame 4 does not divide 6/);
  });
});
