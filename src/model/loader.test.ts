import { describe, expect, it } from 'vitest';
import { memoryStore } from './cache.ts';
import { ChecksumMismatchError, fetchVerified, PackageFetchError, sha256Hex, type FileProgress } from './loader.ts';

const BASE = 'https://models.example/pkg/';

/** A fetch that serves `files` (path -> bytes queue: each request takes the next copy) and counts requests. */
function server(files: Record<string, Uint8Array[]>) {
  const hits: string[] = [];
  const f = (async (input: RequestInfo | URL) => {
    const url = String(input);
    hits.push(url);
    const path = url.slice(BASE.length);
    const copies = files[path];
    if (!copies) return new Response('missing', { status: 404 });
    const body = copies.length > 1 ? copies.shift()! : copies[0]!;
    return new Response(body.slice());
  }) as typeof fetch;
  return { fetch: f, hits };
}

const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) & 255);

describe('fetchVerified', () => {
  it('downloads, verifies, stores and then serves from the store', async () => {
    const entry = { path: 'stack.onnx', bytes: bytes.length, sha256: await sha256Hex(bytes) };
    const store = memoryStore();
    const srv = server({ 'stack.onnx': [bytes] });
    const progress: FileProgress[] = [];
    const got = await fetchVerified(BASE, entry, { store, fetch: srv.fetch, onProgress: (p) => progress.push(p) });
    expect(got).toEqual(bytes);
    expect(progress.at(-1)).toMatchObject({ stage: 'ready', loaded: bytes.length, total: bytes.length });
    expect(progress.some((p) => p.stage === 'downloading')).toBe(true);
    const again = await fetchVerified(BASE, entry, { store, fetch: srv.fetch });
    expect(again).toEqual(bytes);
    expect(srv.hits.length).toBe(1);
  });

  it('refetches a corrupt cached copy and a partial one', async () => {
    const entry = { path: 'w.bin', bytes: bytes.length, sha256: await sha256Hex(bytes) };
    for (const bad of [bytes.map((b, i) => (i === 500 ? b ^ 1 : b)), bytes.subarray(0, 1000)]) {
      const store = memoryStore();
      await store.put(BASE + 'w.bin', bad);
      const srv = server({ 'w.bin': [bytes] });
      const notes: string[] = [];
      const got = await fetchVerified(BASE, entry, { store, fetch: srv.fetch, onProgress: (p) => p.note && notes.push(p.note) });
      expect(got).toEqual(bytes);
      expect(srv.hits.length).toBe(1);
      expect(notes[0]).toMatch(/cached copy/);
      expect(await store.get(BASE + 'w.bin')).toEqual(bytes);
    }
  });

  it('retries a bad download once, then refuses it', async () => {
    const entry = { path: 'w.bin', bytes: bytes.length, sha256: await sha256Hex(bytes) };
    const corrupt = bytes.map((b, i) => (i === 7 ? b ^ 255 : b));
    const flaky = server({ 'w.bin': [corrupt, bytes] });
    expect(await fetchVerified(BASE, entry, { store: memoryStore(), fetch: flaky.fetch })).toEqual(bytes);
    expect(flaky.hits.length).toBe(2);

    const store = memoryStore();
    const broken = server({ 'w.bin': [corrupt] });
    await expect(fetchVerified(BASE, entry, { store, fetch: broken.fetch })).rejects.toBeInstanceOf(ChecksumMismatchError);
    expect(await store.get(BASE + 'w.bin')).toBeNull();
    const short = server({ 'w.bin': [bytes.subarray(0, 10)] });
    await expect(fetchVerified(BASE, entry, { store, fetch: short.fetch })).rejects.toThrow(/incomplete/);
  });

  it('names missing files', async () => {
    const entry = { path: 'gone.onnx', bytes: 1, sha256: '00' };
    await expect(fetchVerified(BASE, entry, { store: memoryStore(), fetch: server({}).fetch })).rejects.toThrow(PackageFetchError);
    await expect(fetchVerified(BASE, entry, { store: memoryStore(), fetch: server({}).fetch })).rejects.toThrow(/HTTP 404/);
  });
});
