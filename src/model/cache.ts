/**
 * Where downloaded model files are kept between visits. The browser uses Cache Storage; tests and
 * pages without it (e.g. insecure origins) use memory. Whatever is stored is verified again by the
 * loader before use, so a store only needs to hand back bytes.
 */

export interface BlobStore {
  readonly kind: 'cache-storage' | 'memory';
  get(url: string): Promise<Uint8Array | null>;
  put(url: string, data: Uint8Array): Promise<void>;
  delete(url: string): Promise<void>;
}

/** Cache Storage bucket holding model packages. */
export const MODEL_CACHE_NAME = 'adacache-models-v1';

export function memoryStore(): BlobStore {
  const map = new Map<string, Uint8Array>();
  return {
    kind: 'memory',
    get: async (url) => map.get(url) ?? null,
    put: async (url, data) => {
      map.set(url, data.slice());
    },
    delete: async (url) => {
      map.delete(url);
    },
  };
}

export async function cacheStorageStore(name = MODEL_CACHE_NAME): Promise<BlobStore> {
  const cache = await caches.open(name);
  return {
    kind: 'cache-storage',
    async get(url) {
      const res = await cache.match(url);
      return res ? new Uint8Array(await res.arrayBuffer()) : null;
    },
    async put(url, data) {
      await cache.put(
        url,
        new Response(data.slice().buffer, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(data.byteLength) } }),
      );
    },
    async delete(url) {
      await cache.delete(url);
    },
  };
}

/** Cache Storage when the page may use it, memory otherwise. */
export async function defaultStore(): Promise<BlobStore> {
  if (typeof caches !== 'undefined') {
    try {
      return await cacheStorageStore();
    } catch {
      // Cache Storage exists but is refused (opaque origin, private mode): keep working without it.
    }
  }
  return memoryStore();
}
