/**
 * The WebGPU path for real (model sessions, the WGSL metric and skip kernels) on the software
 * adapter: few steps, since SwiftShader is slow. Also a device lost mid-run.
 */
import { expect, test } from '@playwright/test';
import { failOnErrors, fillSettings, recordScrubberCounts, scrubberCounts, shot, studioUrl, waitForModel, waitForRun } from './helpers.ts';

const STEPS = 5;

test('generates on WebGPU with AdaCache skipping steps', async ({ page }) => {
  const errors = failOnErrors(page);
  await page.goto(studioUrl({ backend: 'webgpu' }));
  await waitForModel(page);
  await expect(page.getByTestId('backend')).toHaveText('WebGPU');
  // Rate 2 for any distance: computed 1, 2, 4, 5 (the last two always are).
  await fillSettings(page, { prompt: 'a green triangle moving right', steps: STEPS, policy: 'adacache', codebook: '100:2', moreg: true });
  await recordScrubberCounts(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForRun(page, STEPS);
  expect(await scrubberCounts(page)).toEqual([1, 2, 3, 4, 5]);
  const computed = await page.getByTestId('timeline-mark').evaluateAll((els) => els.map((e) => e.getAttribute('data-computed')));
  expect(computed).toEqual(['true', 'true', 'false', 'true', 'true']);
  await expect(page.getByTestId('result')).toContainText(/WebGPU/);
  await shot(page, '10-webgpu-result');
  expect(errors).toEqual([]);
});

test('a GPU device lost mid-run is reported, recovered from, and finished videos are kept', async ({ page }) => {
  const errors = failOnErrors(page);
  await page.goto(studioUrl({ backend: 'webgpu', steps: 4, policy: 'none', prompt: 'a white circle standing still' }));
  await waitForModel(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForRun(page, 4);
  await expect(page.getByTestId('history-item')).toHaveCount(1);

  await page.getByLabel('Steps', { exact: true }).fill('12');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect.poll(async () => Number(await page.getByTestId('scrubber-count').getAttribute('data-count')), { timeout: 120_000, intervals: [50] }).toBeGreaterThanOrEqual(1);
  await page.evaluate(() => (window as unknown as { studioDebug: { loseDevice(): void } }).studioDebug.loseDevice());
  await expect(page.getByRole('alert').filter({ hasText: 'The GPU stopped responding' })).toBeVisible({ timeout: 120_000 });
  await expect(page.getByText('Finished videos are kept')).toBeVisible();
  await shot(page, '11-device-lost');
  await expect(page.getByTestId('history-item')).toHaveCount(1);
  await waitForModel(page);
  await page.getByLabel('Steps', { exact: true }).fill('3');
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForRun(page, 3);
  await expect(page.getByTestId('history-item')).toHaveCount(2);
  await shot(page, '12-recovered');
  expect(errors).toEqual([]);
});
