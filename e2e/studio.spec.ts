/**
 * The studio end to end on the path the app picks itself ('auto': WASM on a software adapter):
 * load, generate with live previews, timeline, compare, export, history across reloads, cancel.
 */
import { readFileSync } from 'node:fs';
import { decode as decodePng } from 'fast-png';
import { expect, test } from '@playwright/test';
import { inspectMp4 } from '../src/video/mp4.ts';
import {
  failOnErrors,
  fillSettings,
  recordScrubberCounts,
  scrubberCounts,
  shot,
  studioUrl,
  waitForModel,
  waitForRun,
} from './helpers.ts';

const STEPS = 8;
// Any distance below 100 gives rate 3: steps 1, 2, 5, 7, 8 are computed (N-1 and N always are).
const SKIPPING_CODEBOOK = '100:3';

test('generate, watch, compare, export and keep the history (WASM)', async ({ page }) => {
  const errors = failOnErrors(page);
  await page.goto(studioUrl());
  await expect(page.getByRole('heading', { name: /Loading the model/ })).toBeVisible();
  await shot(page, '01-loading');
  await waitForModel(page);
  await expect(page.getByTestId('backend')).toHaveText(/WASM/);
  // 'auto' skips the software WebGPU adapter and says why.
  await expect(page.getByRole('status').filter({ hasText: 'Running on WASM' })).toContainText(/software/);
  await shot(page, '02-ready');

  // Empty prompt: a message, no run.
  await page.getByLabel('Prompt', { exact: true }).fill('   ');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Type a prompt first' })).toBeVisible();
  await page.getByRole('button', { name: 'Dismiss: Type a prompt first' }).click();

  // A run with AdaCache on: one scrubber step per denoising step.
  await fillSettings(page, { prompt: 'a red circle moving left', steps: STEPS, policy: 'adacache', codebook: SKIPPING_CODEBOOK });
  await expect(page).toHaveURL(/steps=8/);
  await expect(page).toHaveURL(/codebook=100%3A3/);
  await recordScrubberCounts(page);
  // Keyboard: Ctrl+Enter in the prompt generates.
  await page.getByLabel('Prompt', { exact: true }).press('Control+Enter');
  await expect.poll(async () => Number(await page.getByTestId('scrubber-count').getAttribute('data-count')), { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
  await shot(page, '03-generating');
  await waitForRun(page, STEPS);
  const counts = await scrubberCounts(page);
  expect(counts).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
  await expect(page.getByTestId('result')).toBeVisible();

  const marks = page.getByTestId('timeline-mark');
  await expect(marks).toHaveCount(STEPS);
  const computed = await marks.evaluateAll((els) => els.map((e) => e.getAttribute('data-computed')));
  expect(computed).toEqual(['true', 'true', 'false', 'false', 'true', 'false', 'true', 'true']);
  await expect(page.getByTestId('timeline-summary')).toContainText('5 computed, 3 reused of 8');

  // Hover shows a step's numbers; clicking moves the scrubber there.
  const hits = page.locator('.timeline-svg .hit');
  await hits.nth(4).hover();
  await expect(page.getByTestId('timeline-tip')).toContainText('Step 5');
  await expect(page.getByTestId('timeline-tip')).toContainText('rate 3');
  await hits.nth(2).click();
  await expect(page.getByTestId('step-slider')).toHaveValue('3');
  await shot(page, '04-timeline');

  // Scrub across steps while playing the frames of a step.
  await page.getByTestId('step-slider').fill('1');
  await expect(page.getByTestId('scrub-preview')).toHaveAttribute('aria-label', /step 1,/);

  // Compare: baseline and cached, same prompt and seed. 30 steps so compute, not timer noise on a
  // shared machine, decides the wall times: steps 1, 2, 5, 8, ..., 29, 30 are computed (12 of 30).
  await fillSettings(page, { steps: 30 });
  await page.getByRole('button', { name: 'Compare with baseline' }).click();
  const compare = page.getByTestId('compare');
  await expect(compare.getByTestId('speedup')).not.toHaveAttribute('data-value', '', { timeout: 200_000 });
  const speedup = Number(await compare.getByTestId('speedup').getAttribute('data-value'));
  const psnr = Number(await compare.getByTestId('psnr').getAttribute('data-value'));
  const ssim = Number(await compare.getByTestId('ssim').getAttribute('data-value'));
  expect(speedup).toBeGreaterThan(1);
  expect(psnr).toBeGreaterThan(5);
  expect(ssim).toBeGreaterThan(0);
  expect(ssim).toBeLessThanOrEqual(1);
  await expect(compare.getByTestId('compare-computed')).toHaveText('12/30');
  await compare.scrollIntoViewIfNeeded();
  await shot(page, '05-compare');

  // A laptop screen: everything fits the width, nothing scrolls sideways.
  await page.setViewportSize({ width: 1280, height: 720 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
  await page.screenshot({ path: 'e2e/artifacts/05b-laptop-1280x720.png' });
  await page.setViewportSize({ width: 1366, height: 900 });

  // Export MP4: right boxes, one sample per frame, duration frames / fps.
  const [mp4] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export MP4' }).click()]);
  expect(mp4.suggestedFilename()).toMatch(/\.mp4$/);
  const bytes = readFileSync((await mp4.path())!);
  const info = inspectMp4(bytes);
  // the page triggers the download before it renders the status line: wait for the line
  await expect(page.getByTestId('export-status')).toContainText(/\d+ frames at [\d.]+ fps/);
  const status = await page.getByTestId('export-status').textContent();
  const [, frames, fps] = /(\d+) frames at ([\d.]+) fps/.exec(status ?? '')!;
  expect(info.topLevel).toEqual(['ftyp', 'moov', 'mdat']);
  expect(['avc1', 'vp09', 'av01']).toContain(info.sampleEntry);
  test.info().annotations.push({ type: 'mp4', description: `${info.sampleEntry} ${info.width}x${info.height}, ${info.samples} samples, ${info.duration.toFixed(3)} s` });
  expect(info.samples).toBe(Number(frames));
  expect(info.duration).toBeCloseTo(Number(frames) / Number(fps), 2);
  expect(info.width % 2).toBe(0);
  expect(info.width).toBeGreaterThanOrEqual(256);

  const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Frame strip PNG' }).click()]);
  const strip = decodePng(readFileSync((await png.path())!));
  expect(strip.width).toBeGreaterThan(strip.height * Number(frames) * 0.9);
  await shot(page, '06-exported');

  // History survives a reload (IndexedDB) and entries can be reopened, compared and deleted.
  const items = page.getByTestId('history-item');
  await expect(items).toHaveCount(3);
  await page.reload();
  await expect(items).toHaveCount(3);
  await waitForModel(page);
  await items.first().getByRole('button', { name: /^Compare/ }).click();
  await expect(page.getByTestId('compare').getByTestId('psnr')).not.toHaveAttribute('data-value', '');
  await items.nth(1).getByRole('button', { name: /^Open/ }).click();
  await expect(page.getByTestId('result')).toContainText('Baseline');
  await shot(page, '07-after-reload');
  await items.first().getByRole('button', { name: /^Delete/ }).click();
  await expect(items).toHaveCount(2);
  await page.reload();
  await expect(items).toHaveCount(2);
  expect(errors).toEqual([]);
});

test('cancel mid-run keeps the page usable', async ({ page }) => {
  const errors = failOnErrors(page);
  await page.goto(studioUrl({ steps: 200, prompt: 'a blue square moving up', policy: 'none' }));
  await waitForModel(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  const count = async () => Number(await page.getByTestId('scrubber-count').getAttribute('data-count'));
  await expect.poll(count, { timeout: 120_000, intervals: [50] }).toBeGreaterThanOrEqual(2);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('alert').filter({ hasText: 'Generation cancelled' })).toBeVisible();
  const stoppedAt = await count();
  expect(stoppedAt).toBeLessThan(200);
  await page.waitForTimeout(1500);
  expect(await count()).toBe(stoppedAt);
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
  await expect(page.getByTestId('history-item')).toHaveCount(0);
  await shot(page, '08-cancelled');
  expect(errors).toEqual([]);
});
