import { describe, expect, it } from 'vitest';
import { createWorkerLink, type EngineFailure, type WorkerLike } from './link.ts';
import type { FromWorker } from './protocol.ts';

class FakeWorker implements WorkerLike {
  posted: unknown[] = [];
  terminated = false;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  postMessage(msg: unknown): void {
    this.posted.push(msg);
  }
  terminate(): void {
    this.terminated = true;
  }
  answer(msg: FromWorker): void {
    this.onmessage?.({ data: msg } as MessageEvent);
  }
  crash(message: string): boolean {
    let prevented = false;
    this.onerror?.({ message, preventDefault: () => void (prevented = true) } as ErrorEvent);
    return prevented;
  }
}

function setup() {
  const workers: FakeWorker[] = [];
  const link = createWorkerLink(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w;
  });
  const received: FromWorker[] = [];
  const failures: EngineFailure[] = [];
  link.onMessage((m) => void received.push(m));
  link.onFailure((f) => void failures.push(f));
  return { link, workers, received, failures };
}

describe('worker link', () => {
  it('passes messages both ways', () => {
    const { link, workers, received } = setup();
    link.post({ type: 'cancel', id: 3 });
    expect(workers[0]!.posted).toEqual([{ type: 'cancel', id: 3 }]);
    workers[0]!.answer({ type: 'load-stage', load: 1, stage: 'manifest' });
    expect(received).toEqual([{ type: 'load-stage', load: 1, stage: 'manifest' }]);
  });

  it('replaces a worker that died after it had answered, and posts to the new one', () => {
    const { link, workers, received, failures } = setup();
    workers[0]!.answer({ type: 'load-stage', load: 1, stage: 'manifest' });
    expect(workers[0]!.crash('Uncaught TypeError: x is undefined')).toBe(true);
    expect(workers[0]!.terminated).toBe(true);
    expect(failures).toEqual([{ message: 'Uncaught TypeError: x is undefined', restarted: true }]);
    expect(workers).toHaveLength(2);
    link.post({ type: 'cancel', id: 1 });
    expect(workers[0]!.posted).toEqual([]);
    expect(workers[1]!.posted).toEqual([{ type: 'cancel', id: 1 }]);
    workers[1]!.answer({ type: 'load-stage', load: 2, stage: 'backend' });
    expect(received.at(-1)).toEqual({ type: 'load-stage', load: 2, stage: 'backend' });
  });

  it('does not restart by itself a worker whose script never ran, but tries again on the next message', () => {
    const { link, workers, failures } = setup();
    workers[0]!.crash('');
    expect(workers).toHaveLength(1);
    expect(failures).toEqual([{ message: "The engine worker's script did not load or run", restarted: false }]);
    link.post({ type: 'cancel', id: 1 });
    expect(workers[0]!.posted).toEqual([]);
    expect(workers).toHaveLength(2);
    expect(workers[1]!.posted).toEqual([{ type: 'cancel', id: 1 }]);
  });
});
