/**
 * The page's side of the engine worker. A worker that dies, or whose script fails to load, fires
 * `error` and then says nothing more; without a watcher the page would wait on it forever. The
 * link replaces such a worker with a fresh one and tells the store, which loads the model again.
 */
import type { FromWorker, ToWorker } from './protocol.ts';

/** The part of a `Worker` the link uses (a fake one in tests). */
export interface WorkerLike {
  postMessage(msg: unknown, transfer: Transferable[]): void;
  terminate(): void;
  onmessage: ((e: MessageEvent) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
}

export interface EngineFailure {
  /** What the browser said, in its words. */
  message: string;
  /**
   * True when a fresh worker replaced the failed one and is waiting for a 'load'. False when the
   * worker failed before it ever answered: the next message starts one again (a person's retry).
   */
  restarted: boolean;
}

/** The page's side of the worker: post messages, receive them, learn when the worker is gone. */
export interface EngineLink {
  post(msg: ToWorker, transfer?: Transferable[]): void;
  onMessage(handler: (msg: FromWorker) => void): void;
  onFailure(handler: (failure: EngineFailure) => void): void;
}

/**
 * A worker that failed before it ever answered is not replaced at once: its script likely cannot
 * run in this browser, and an automatic restart would fail the same way, in a loop.
 */
export function createWorkerLink(spawn: () => WorkerLike): EngineLink {
  let onMessage: (msg: FromWorker) => void = () => undefined;
  let onFailure: (failure: EngineFailure) => void = () => undefined;
  let worker: WorkerLike | null = null;

  function start(): WorkerLike {
    const w = spawn();
    let answered = false;
    w.onmessage = (e) => {
      answered = true;
      onMessage(e.data as FromWorker);
    };
    w.onerror = (e) => {
      // Handled here: the browser need not print it as an uncaught error as well.
      e.preventDefault();
      w.terminate();
      // A module worker whose script fails to load or parse gets a bare Event, with no message.
      const message = e.message || (answered ? 'The engine worker stopped' : 'The engine worker\'s script did not load or run');
      worker = answered ? start() : null;
      onFailure({ message, restarted: worker !== null });
    };
    return w;
  }
  worker = start();

  return {
    post(msg, transfer = []) {
      worker ??= start();
      worker.postMessage(msg, transfer);
    },
    onMessage(handler) {
      onMessage = handler;
    },
    onFailure(handler) {
      onFailure = handler;
    },
  };
}
