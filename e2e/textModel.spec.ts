/**
 * A package with a text encoder (the trained default model, public/models/shapes): vocabulary
 * suggestions, unknown words, generation from text. Skipped while that package is not built.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { failOnErrors, fillSettings, shot, waitForModel, waitForRun } from './helpers.ts';

// The app's default model unless E2E_TEXT_MODEL names another package under dist/.
const MODEL = process.env.E2E_TEXT_MODEL ?? '';
const present = existsSync(join('dist', MODEL || 'models/shapes/', 'manifest.json'));

test.skip(!present, 'the trained text model package (public/models/shapes) is not built yet');

test('vocabulary, unknown words and a generation from text', async ({ page }) => {
  const errors = failOnErrors(page);
  await page.goto(MODEL ? `/?model=${MODEL}` : '/');
  await waitForModel(page);
  await page.getByText(/Vocabulary \(\d+ words\)/).click();
  await page.getByRole('button', { name: 'circle', exact: true }).click();
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('circle');

  await fillSettings(page, { prompt: 'a zebra circle moving left', steps: 6, policy: 'none' });
  await expect(page.getByTestId('unknown-words')).toContainText('zebra');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Some words are unknown to this model' })).toContainText('zebra');
  await shot(page, '30-unknown-words');

  await fillSettings(page, { prompt: 'a red circle moving left on a black background' });
  await expect(page.getByTestId('unknown-words')).toHaveCount(0);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForRun(page, 6);
  await expect(page.getByTestId('history-item')).toHaveCount(1);
  await shot(page, '31-text-generation');
  expect(errors).toEqual([]);
});
