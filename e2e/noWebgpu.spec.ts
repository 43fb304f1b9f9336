/** A browser without WebGPU: asking for it falls back to WASM, says so, and still generates. */
import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/browser/chromium.ts';
import { failOnErrors, shot, studioUrl, waitForModel } from './helpers.ts';

// Without --enable-unsafe-webgpu headless Chromium on Linux offers no adapter.
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu') } });

test('asking for WebGPU falls back to WASM and says so', async ({ page }) => {
  const errors = failOnErrors(page);
  await page.goto(studioUrl({ backend: 'webgpu', prompt: 'a red square moving down', steps: 3, policy: 'none' }));
  await waitForModel(page);
  await expect(page.getByTestId('backend')).toHaveText(/WASM/);
  await expect(page.getByRole('alert').filter({ hasText: 'WebGPU is not available' })).toContainText(/WASM/);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('scrubber-count')).toHaveAttribute('data-count', '3', { timeout: 120_000 });
  await shot(page, '22-no-webgpu');
  expect(errors).toEqual([]);
});
