/** Failures a person can meet, each with a message they understand. */
import { expect, test } from '@playwright/test';
import { failOnErrors, REF_MODEL, shot, studioUrl, waitForModel } from './helpers.ts';

test('a damaged cached model file is fetched again, never used', async ({ page }) => {
  const errors = failOnErrors(page);
  await page.goto(studioUrl());
  await waitForModel(page);
  // Truncate one cached file and flip bytes in another.
  const damaged = await page.evaluate(async (model) => {
    const cache = await caches.open('adacache-models-v1');
    const keys = (await cache.keys()).map((r) => r.url).filter((u) => u.includes(model));
    const [a, b] = keys;
    const bytesA = new Uint8Array(await (await cache.match(a!))!.arrayBuffer());
    await cache.put(a!, new Response(bytesA.slice(0, Math.floor(bytesA.length / 2))));
    const bytesB = new Uint8Array(await (await cache.match(b!))!.arrayBuffer());
    bytesB[bytesB.length >> 1]! ^= 0xff;
    await cache.put(b!, new Response(bytesB));
    return [a!, b!].map((u) => u.slice(u.lastIndexOf(model) + model.length));
  }, REF_MODEL);
  await page.reload();
  for (const path of damaged) {
    await expect(page.getByRole('status').filter({ hasText: `${path}: cached copy` })).toContainText('fetching it again');
  }
  await shot(page, '20-refetch-damaged');
  await waitForModel(page);
  expect(errors).toEqual([]);
});

test('a missing model package says so', async ({ page }) => {
  await page.goto('/?model=models/no-such-model/');
  await expect(page.getByRole('alert').filter({ hasText: 'Could not download the model' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('no model package');
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
  await shot(page, '21-missing-model');
});

test('an engine worker that cannot start says so, and Try again starts a fresh one', async ({ page }) => {
  let refused = 0;
  await page.route('**/engineWorker-*.js', async (route) => {
    if (refused++ === 0) await route.fulfill({ status: 200, contentType: 'text/javascript', body: 'this is not javascript' });
    else await route.continue();
  });
  await page.goto(studioUrl());
  await expect(page.getByRole('alert').filter({ hasText: 'The engine could not start' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Model failed to load' })).toBeVisible();
  await shot(page, '22-worker-failed');
  await page.getByRole('button', { name: 'Try again' }).click();
  await waitForModel(page);
  expect(refused).toBe(2);
});
