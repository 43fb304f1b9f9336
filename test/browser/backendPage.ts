/** Browser side of the web backend tests: the checks in backendChain.ts, in the page or in a worker. */
import type { BackendPreference } from '../../src/engine/adapterChoice.ts';
import { backendErrors, backendInfo, runAffineChain, type ChainResult } from './backendChain.ts';
import { runReferenceForward } from './referenceForward.ts';

/** Runs runAffineChain inside a module Web Worker, as the app hosts the engine. */
function runAffineChainInWorker(prefer: BackendPreference, x: number[], n: number, k: number): Promise<ChainResult> {
  const worker = new Worker(new URL('./backendWorker.ts', import.meta.url), { type: 'module' });
  return new Promise<ChainResult>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ ok: true; result: ChainResult } | { ok: false; error: string }>) =>
      e.data.ok ? resolve(e.data.result) : reject(new Error(e.data.error));
    worker.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
    worker.postMessage({ prefer, x, n, k });
  }).finally(() => worker.terminate());
}

Object.assign(window, { backendErrors, backendInfo, runAffineChain, runAffineChainInWorker, runReferenceForward });
document.title = 'backend harness ready';
