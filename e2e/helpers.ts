import { mkdirSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';

/** The converted reference checkpoint, written by globalSetup into the built app. */
export const REF_MODEL = 'models/opensora-tiny-ref/';

export const ARTIFACTS = 'e2e/artifacts';
mkdirSync(ARTIFACTS, { recursive: true });

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}

export function studioUrl(params: Record<string, string | number> = {}): string {
  const q = new URLSearchParams({ model: REF_MODEL });
  for (const [k, v] of Object.entries(params)) q.set(k, String(v));
  return `/?${q}`;
}

/** Fails the test on any uncaught page or worker error. */
export function failOnErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('worker', (w) => w.on('close', () => undefined));
  return errors;
}

export async function waitForModel(page: Page): Promise<void> {
  await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: 180_000 });
}

/** Records every value the scrubber's step counter takes (a MutationObserver sees each commit). */
export async function recordScrubberCounts(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __counts: number[] };
    w.__counts = [];
    const el = document.querySelector('[data-testid="scrubber-count"]')!;
    new MutationObserver(() => {
      const n = Number(el.getAttribute('data-count'));
      if (w.__counts.at(-1) !== n) w.__counts.push(n);
    }).observe(el, { attributes: true, attributeFilter: ['data-count'] });
  });
}

export async function scrubberCounts(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __counts: number[] }).__counts);
}

export async function fillSettings(
  page: Page,
  s: { prompt?: string; steps?: number; policy?: string; codebook?: string; moreg?: boolean },
): Promise<void> {
  if (s.prompt !== undefined) await page.getByLabel('Prompt', { exact: true }).fill(s.prompt);
  if (s.steps !== undefined) await page.getByLabel('Steps', { exact: true }).fill(String(s.steps));
  if (s.policy !== undefined) await page.getByLabel('Policy', { exact: true }).selectOption(s.policy);
  if (s.codebook !== undefined) {
    await page.getByLabel('Codebook', { exact: true }).selectOption('__custom');
    await page.getByLabel('Thresholds (distance:rate, …)').fill(s.codebook);
  }
  if (s.moreg !== undefined) await page.getByLabel('MoReg (more compute for more motion)').setChecked(s.moreg);
}

/** Waits until a run has finished (the result panel shows its wall time). */
export async function waitForRun(page: Page, steps: number): Promise<void> {
  await expect(page.getByTestId('scrubber-count')).toHaveAttribute('data-count', String(steps), { timeout: 200_000 });
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled({ timeout: 60_000 });
}
