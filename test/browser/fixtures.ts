/** Serves in-memory files to a page under /__fixtures/<name> (model bytes built or converted in Node). */
import type { BrowserContext } from 'playwright-core';

export const FIXTURE_PREFIX = '/__fixtures/';

export async function serveFixtures(context: BrowserContext, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  await context.route(`**${FIXTURE_PREFIX}**`, async (route) => {
    const name = decodeURIComponent(new URL(route.request().url()).pathname.slice(FIXTURE_PREFIX.length));
    const body = files.get(name);
    if (!body) await route.fulfill({ status: 404, body: `no fixture ${name}` });
    else await route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from(body) });
  });
}

/** Page side: the bytes of a served fixture. */
export async function fetchFixture(name: string): Promise<Uint8Array> {
  const res = await fetch(`${FIXTURE_PREFIX}${encodeURIComponent(name)}`);
  if (!res.ok) throw new Error(`fixture ${name}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
