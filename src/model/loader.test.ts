import { describe, expect, it } from 'vitest';
import { memoryStore } from './cache.ts';
import { ChecksumMismatchError, fetchVerified, loadModelPackage, PackageFetchError, sha256Hex, type FileProgress } from './loader.ts';

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

describe('loadModelPackage', () => {
  it('parses the manifest and returns every file by role', async () => {
    const embed = new Uint8Array([1, 2, 3]);
    const stack = new Uint8Array([4, 5, 6, 7]);
    const fin = new Uint8Array([8]);
    const entry = async (path: string, b: Uint8Array) => ({ path, bytes: b.length, sha256: await sha256Hex(b) });
    const manifest = {
      format: 'adacache-studio/model@1',
      name: 'tiny',
      kind: 'stdit3',
      config: { hidden_size: 16, depth: 2, num_heads: 2, in_channels: 4, caption_channels: 8, model_max_length: 4 },
      quantization: 'fp32',
      files: { embed: await entry('embed.onnx', embed), stack: await entry('stack.onnx', stack), final: await entry('final.onnx', fin) },
      textEncoder: { kind: 'none' },
      decoder: { kind: 'none', upscale: 4 },
      sampling: { steps: 4, cfg: 7, height: 64, width: 64, numFrames: 17, fps: 24, latent: [4, 8, 8], probeBlock: 1 },
      codebooks: { fast: [[0.1, 3], [1, 1]] },
    };
    const json = new TextEncoder().encode(JSON.stringify(manifest));
    const srv = server({ 'manifest.json': [json], 'embed.onnx': [embed], 'stack.onnx': [stack], 'final.onnx': [fin] });
    const seen = new Set<string>();
    const pkg = await loadModelPackage(BASE, { store: memoryStore(), fetch: srv.fetch, onProgress: (p) => seen.add(p.path) });
    expect(pkg.manifest.name).toBe('tiny');
    expect(pkg.files.stack).toEqual(stack);
    expect([...seen]).toEqual(['embed.onnx', 'stack.onnx', 'final.onnx']);
  });

  it('rejects a manifest that is not a package', async () => {
    const srv = server({ 'manifest.json': [new TextEncoder().encode('{"format":"other"}')] });
    await expect(loadModelPackage(BASE, { store: memoryStore(), fetch: srv.fetch })).rejects.toThrow(/manifest.format/);
  });
});
