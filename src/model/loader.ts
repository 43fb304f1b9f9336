/**
 * Fetches the files of a model package with per-file progress, keeps them in a BlobStore and checks
 * every byte against the manifest's sha256 before it is used. A cached file that is short or whose
 * hash differs is dropped and fetched again; a download that does not match is retried once, then
 * reported as ChecksumMismatchError.
 */
import type { BlobStore } from './cache.ts';
import { parseManifest, type FileRole, type ModelManifest } from './manifest.ts';

/** What the loader needs to know about one file of the package. */
export interface PackageFileEntry {
  /** Path relative to the package folder. */
  path: string;
  bytes: number;
  /** Lower-case hex sha256 of the file. */
  sha256: string;
}

export type FileStage = 'queued' | 'cached' | 'downloading' | 'verifying' | 'ready' | 'refetching';

export interface FileProgress {
  path: string;
  stage: FileStage;
  loaded: number;
  total: number;
  /** Why a file is fetched again (corrupt or partial cached copy). */
  note?: string;
}

export class PackageFetchError extends Error {
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(message);
    this.name = 'PackageFetchError';
  }
}

export class ChecksumMismatchError extends Error {
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${url} is damaged: its sha256 is ${actual.slice(0, 12)}…, the package says ${expected.slice(0, 12)}…`);
    this.name = 'ChecksumMismatchError';
  }
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data.slice().buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface FetchOptions {
  store: BlobStore;
  onProgress?: (p: FileProgress) => void;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

async function download(url: string, entry: PackageFileEntry, opts: FetchOptions): Promise<Uint8Array> {
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, { cache: 'no-store', signal: opts.signal ?? null });
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    throw new PackageFetchError(url, `could not download ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new PackageFetchError(url, `could not download ${url}: HTTP ${res.status}`);
  const total = entry.bytes;
  if (!res.body) {
    const data = new Uint8Array(await res.arrayBuffer());
    opts.onProgress?.({ path: entry.path, stage: 'downloading', loaded: data.byteLength, total });
    return data;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    opts.onProgress?.({ path: entry.path, stage: 'downloading', loaded, total });
  }
  const data = new Uint8Array(loaded);
  let o = 0;
  for (const c of chunks) {
    data.set(c, o);
    o += c.byteLength;
  }
  return data;
}

/** Problem with a copy of a file, or null when it is whole and matches. */
async function check(data: Uint8Array, entry: PackageFileEntry): Promise<string | null> {
  if (data.byteLength !== entry.bytes) return `has ${data.byteLength} of ${entry.bytes} bytes`;
  const hash = await sha256Hex(data);
  return hash === entry.sha256.toLowerCase() ? null : `sha256 ${hash.slice(0, 12)}… does not match`;
}

/** One verified file: from the store when intact, else from the network (then stored). */
export async function fetchVerified(baseUrl: string, entry: PackageFileEntry, opts: FetchOptions): Promise<Uint8Array> {
  const url = new URL(entry.path, baseUrl).href;
  const { store, onProgress } = opts;
  const cached = await store.get(url);
  let note: string | undefined;
  if (cached) {
    onProgress?.({ path: entry.path, stage: 'verifying', loaded: cached.byteLength, total: entry.bytes });
    const problem = await check(cached, entry);
    if (!problem) {
      onProgress?.({ path: entry.path, stage: 'cached', loaded: entry.bytes, total: entry.bytes });
      return cached;
    }
    note = `cached copy ${problem}; fetching it again`;
    onProgress?.({ path: entry.path, stage: 'refetching', loaded: 0, total: entry.bytes, note });
    await store.delete(url);
  }
  for (let attempt = 0; ; attempt++) {
    const data = await download(url, entry, opts);
    onProgress?.({ path: entry.path, stage: 'verifying', loaded: data.byteLength, total: entry.bytes });
    const problem = await check(data, entry);
    if (!problem) {
      await store.put(url, data).catch(() => {
        // A full quota only costs the next visit a download.
      });
      onProgress?.({ path: entry.path, stage: 'ready', loaded: entry.bytes, total: entry.bytes, ...(note ? { note } : {}) });
      return data;
    }
    if (attempt >= 1) {
      if (data.byteLength !== entry.bytes) {
        throw new PackageFetchError(url, `${url} arrived incomplete (${data.byteLength} of ${entry.bytes} bytes)`);
      }
      throw new ChecksumMismatchError(url, entry.sha256, await sha256Hex(data));
    }
    onProgress?.({ path: entry.path, stage: 'refetching', loaded: 0, total: entry.bytes, note: `download ${problem}; trying again` });
  }
}

/** Fetches a JSON document (the manifest) without caching, so a new package version is seen at once. */
export async function fetchJson(url: string, opts: Pick<FetchOptions, 'fetch' | 'signal'> = {}): Promise<unknown> {
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, { cache: 'no-cache', signal: opts.signal ?? null });
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    throw new PackageFetchError(url, `could not reach ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new PackageFetchError(url, `could not load ${url}: HTTP ${res.status}`);
  // Single-page servers answer unknown paths with index.html.
  if ((res.headers.get('content-type') ?? '').includes('text/html')) {
    throw new PackageFetchError(url, `there is no model package at ${url}`);
  }
  try {
    return await res.json();
  } catch {
    throw new PackageFetchError(url, `${url} is not valid JSON`);
  }
}

export interface FetchedPackage {
  /** Package folder URL (ends with '/'). */
  dir: string;
  manifest: ModelManifest;
  files: Partial<Record<FileRole, Uint8Array>>;
}

/** The manifest and every file it lists, each verified, one after another so progress reads per file. */
export async function loadModelPackage(baseUrl: string, opts: FetchOptions): Promise<FetchedPackage> {
  const dir = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const manifest = parseManifest(await fetchJson(new URL('manifest.json', dir).href, opts));
  const entries = Object.entries(manifest.files) as [FileRole, PackageFileEntry][];
  // Announce every file first so the page shows the whole list from the start.
  for (const [, e] of entries) opts.onProgress?.({ path: e.path, stage: 'queued', loaded: 0, total: e.bytes });
  const files: FetchedPackage['files'] = {};
  for (const [role, entry] of entries) files[role] = await fetchVerified(dir, entry, opts);
  return { dir, manifest, files };
}

/** The package the studio opens unless `?model=` names another (relative to the app's base URL). */
export const DEFAULT_MODEL_URL = 'models/shapes/';
