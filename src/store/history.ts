/**
 * Finished videos with their settings and traces, kept across reloads in IndexedDB.
 * Without IndexedDB (private windows in some browsers) history lives for the session only.
 */
import type { GenerateResult } from '../engine/api.ts';
import type { Settings } from './settings.ts';

export interface HistoryEntry {
  id: string;
  createdAt: number;
  /** Model package the video came from. */
  model: string;
  settings: Settings;
  result: GenerateResult;
  /** Runs made by one Compare click share a group; the baseline has role 'baseline'. */
  group?: string;
  role?: 'baseline' | 'cached' | 'single';
}

export interface HistoryStore {
  readonly persistent: boolean;
  list(): Promise<HistoryEntry[]>;
  put(entry: HistoryEntry): Promise<void>;
  delete(id: string): Promise<void>;
}

const DB_NAME = 'adacache-studio';
const STORE = 'history';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

async function openDb(): Promise<IDBDatabase> {
  const r = indexedDB.open(DB_NAME, 1);
  r.onupgradeneeded = () => {
    const db = r.result;
    if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'id' }).createIndex('createdAt', 'createdAt');
  };
  return request(r);
}

export function memoryHistory(): HistoryStore {
  const map = new Map<string, HistoryEntry>();
  return {
    persistent: false,
    list: async () => [...map.values()].sort((a, b) => b.createdAt - a.createdAt),
    put: async (e) => void map.set(e.id, e),
    delete: async (id) => void map.delete(id),
  };
}

export async function openHistory(): Promise<HistoryStore> {
  if (typeof indexedDB === 'undefined') return memoryHistory();
  let db: IDBDatabase;
  try {
    db = await openDb();
  } catch {
    return memoryHistory();
  }
  return {
    persistent: true,
    async list() {
      const tx = db.transaction(STORE, 'readonly');
      const all = (await request(tx.objectStore(STORE).getAll())) as HistoryEntry[];
      return all.sort((a, b) => b.createdAt - a.createdAt);
    },
    async put(entry) {
      const tx = db.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).put(entry);
      await done(tx);
    },
    async delete(id) {
      const tx = db.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).delete(id);
      await done(tx);
    },
  };
}
