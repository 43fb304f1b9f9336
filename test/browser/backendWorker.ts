/// <reference lib="webworker" />
/** Worker side of runAffineChainInWorker: the same chain, off the main thread. */
import type { BackendPreference } from '../../src/engine/adapterChoice.ts';
import { runAffineChain } from './backendChain.ts';

self.onmessage = async (e: MessageEvent<{ prefer: BackendPreference; x: number[]; n: number; k: number }>) => {
  try {
    const result = await runAffineChain(e.data.prefer, e.data.x, e.data.n, e.data.k);
    self.postMessage({ ok: true, result });
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
