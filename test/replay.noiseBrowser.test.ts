/**
 * The seeded noise is the same in Chromium as in Node: the very module the app ships, bundled and
 * run in a page, gives bit-identical float32 values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gaussianNoise } from '../src/engine/noise.ts';
import { launchChromium, type ChromiumSession } from './browser/chromium.ts';

describe('gaussianNoise in Chromium', () => {
  let browser: ChromiumSession;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  it('gives exactly the values Node gives', async () => {
    // noise.ts imports nothing, so its transpiled text is a complete module.
    const source = readFileSync(join(import.meta.dirname, '..', 'src', 'engine', 'noise.ts'), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    await browser.page.addScriptTag({ type: 'module', content: `${js}\nglobalThis.noise = { gaussianNoise };` });
    await browser.page.waitForFunction(() => 'noise' in globalThis);
    const cases: [number, number][] = [[0, 4099], [42, 1000], [2 ** 40 + 7, 257]];
    for (const [seed, count] of cases) {
      const inPage = await browser.page.evaluate(
        ([s, n]) => Array.from((globalThis as unknown as { noise: { gaussianNoise(s: number, n: number): Float32Array } }).noise.gaussianNoise(s, n)),
        [seed, count] as const,
      );
      expect(Float32Array.from(inPage)).toEqual(gaussianNoise(seed, count));
    }
  });
});
