/**
 * Messages between the page and the engine worker. Everything is structured-clone data; video
 * buffers are transferred, not copied.
 */
import type { GenerateRequest, GenerateResult, StepEvent } from '../engine/api.ts';
import type { FileProgress } from '../model/loader.ts';
import type { BackendChoice } from '../store/settings.ts';

/** One codebook row: a distance below `threshold` gives cache rate `rate`. */
export interface CodebookRow {
  threshold: number;
  rate: number;
}

/** What the page learns about the loaded model. */
export interface ModelInfo {
  name: string;
  /** 'webgpu' | 'wasm' */
  backend: string;
  /** Adapter or runtime, in words. */
  backendDescription: string;
  /** Why the page is not on the backend it asked for (e.g. no WebGPU adapter). */
  fallback?: string;
  /** Words the text encoder knows; empty when the model takes no text. */
  vocabulary: string[];
  /** False for packages without a text encoder: the prompt then only seeds a fixed caption. */
  takesText: boolean;
  /** Named codebooks (built-in and saved in the package), thresholds ascending. */
  codebooks: Record<string, CodebookRow[]>;
  defaults: { steps: number; guidance: number; frames: number; height: number; width: number; fps: number };
}

export type ToWorker =
  /** `load` numbers the load; everything the worker reports about it carries the number. */
  | { type: 'load'; load: number; modelUrl: string; backend: BackendChoice }
  | {
      type: 'generate';
      id: number;
      request: GenerateRequest;
      /**
       * Shared flag the page sets to 1 to cancel (cross-origin isolated pages only). A WASM run
       * never yields to the worker's event loop, so a 'cancel' message would wait until the end.
       */
      cancelFlag?: Int32Array;
    }
  | { type: 'cancel'; id: number }
  /** Destroys the GPU device, as a driver reset would (tests of the recovery path). */
  | { type: 'lose-device' };

/** An error as the page shows it: `name` is the error class, `kind` what it means to a person. */
export interface WorkerError {
  name: string;
  message: string;
  kind: ErrorKind;
}

export type ErrorKind =
  | 'no-webgpu'
  | 'device-lost'
  | 'out-of-memory'
  | 'empty-prompt'
  | 'unknown-words'
  | 'cancelled'
  | 'bad-package'
  | 'network'
  | 'invalid-request'
  | 'internal';

/** What a load is doing between and around the file and compile progress. */
export type LoadStage = 'releasing' | 'manifest' | 'backend';

export type FromWorker =
  | { type: 'load-stage'; load: number; stage: LoadStage }
  | { type: 'file'; load: number; progress: FileProgress }
  | { type: 'compile'; load: number; session: string; index: number; count: number; done: boolean }
  | { type: 'ready'; load: number; info: ModelInfo }
  | { type: 'load-error'; load: number; error: WorkerError }
  | { type: 'step'; id: number; event: StepEvent }
  | { type: 'done'; id: number; result: GenerateResult }
  | { type: 'run-error'; id: number; error: WorkerError };
