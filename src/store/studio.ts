/**
 * The studio's state and actions. Components read slices of it and call actions; the engine lives
 * behind an `EngineLink` (a Web Worker in the page), so nothing here blocks the page.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { GenerateRequest, GenerateResult, PolicySpec, StepRecord, VideoFrames } from '../engine/api.ts';
import type { FileProgress } from '../model/loader.ts';
import { psnr, ssim } from '../video/metrics.ts';
import type { EngineFailure, EngineLink } from '../worker/link.ts';
import type { ErrorKind, FromWorker, LoadStage, ModelInfo, WorkerError } from '../worker/protocol.ts';
import type { HistoryEntry, HistoryStore } from './history.ts';
import { DEFAULT_SETTINGS, policyOf, requestOf, settingsFromQuery, settingsToQuery, type Settings } from './settings.ts';

export type Role = 'single' | 'baseline' | 'cached';

export interface RunView {
  id: number;
  role: Role;
  request: GenerateRequest;
  records: StepRecord[];
  /** previews[i] is step i+1's predicted clean video. */
  previews: (VideoFrames | null)[];
  status: 'running' | 'done' | 'cancelled' | 'error';
  result?: GenerateResult;
}

export interface ModelState {
  url: string;
  status: 'idle' | 'loading' | 'ready' | 'error';
  files: Record<string, FileProgress>;
  compile: Record<string, { index: number; count: number; done: boolean }>;
  stage?: LoadStage;
  info?: ModelInfo;
}

export interface CompareView {
  group: string;
  status: 'running' | 'done' | 'error' | 'cancelled';
  baseline?: HistoryEntry;
  cached?: HistoryEntry;
  psnr?: number;
  ssim?: number;
}

export interface Notice {
  id: number;
  kind: ErrorKind | 'info';
  title: string;
  detail: string;
}

export interface StudioState {
  settings: Settings;
  model: ModelState;
  run: RunView | null;
  /** Step shown by the scrubber; null follows the newest step. */
  scrubStep: number | null;
  /** The finished video in the result panel. */
  current: HistoryEntry | null;
  compare: CompareView | null;
  history: HistoryEntry[];
  historyPersistent: boolean;
  notices: Notice[];

  init(search: string): Promise<void>;
  setSettings(patch: Partial<Settings>): void;
  randomizeSeed(): void;
  loadModel(): void;
  generate(): Promise<HistoryEntry | null>;
  compareRun(): Promise<void>;
  cancel(): void;
  selectStep(step: number | null): void;
  openEntry(id: string): void;
  deleteEntry(id: string): Promise<void>;
  compareEntry(id: string): void;
  dismiss(id: number): void;
}

/** Plain-language headline for each kind of failure. */
const TITLES: Record<ErrorKind, string> = {
  'no-webgpu': 'WebGPU is not available',
  'device-lost': 'The GPU stopped responding',
  'out-of-memory': 'Out of memory',
  'empty-prompt': 'Type a prompt first',
  'unknown-words': 'Some words are unknown to this model',
  cancelled: 'Generation cancelled',
  'bad-package': 'The model package is damaged',
  network: 'Could not download the model',
  'invalid-request': 'These settings cannot run',
  internal: 'Something went wrong',
};

export interface StudioDeps {
  link: EngineLink;
  history: () => Promise<HistoryStore>;
  modelUrl: string;
  /** Writes the settings query into the address bar. */
  writeQuery?: (query: string) => void;
  newId?: () => string;
}

export function createStudio(deps: StudioDeps): StoreApi<StudioState> {
  let nextRunId = 1;
  let nextNoticeId = 1;
  /** The newest load's number: progress of a superseded load is not shown. */
  let loadId = 0;
  let historyDb: HistoryStore | null = null;
  const waiting = new Map<number, { resolve: (r: GenerateResult | null) => void }>();
  const cancelFlags = new Map<number, Int32Array>();
  const newId = deps.newId ?? (() => crypto.randomUUID());

  const store = createStore<StudioState>()((set, get) => {
    function notify(kind: Notice['kind'], detail: string, title = kind === 'info' ? 'Note' : TITLES[kind]): void {
      const id = nextNoticeId++;
      // Same message twice (e.g. repeated clicks) is shown once.
      const others = get().notices.filter((n) => !(n.kind === kind && n.detail === detail));
      set({ notices: [...others, { id, kind, title, detail }] });
    }

    function fail(e: WorkerError): void {
      notify(e.kind, e.message);
    }

    function runOne(role: Role, request: GenerateRequest): Promise<GenerateResult | null> {
      const id = nextRunId++;
      set({
        run: { id, role, request, records: [], previews: [], status: 'running' },
        scrubStep: null,
      });
      const shared = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
      const cancelFlag = shared ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
      if (cancelFlag) cancelFlags.set(id, cancelFlag);
      deps.link.post({ type: 'generate', id, request, ...(cancelFlag ? { cancelFlag } : {}) });
      return new Promise((resolve) => waiting.set(id, { resolve }));
    }

    async function remember(result: GenerateResult, role: Role, group?: string): Promise<HistoryEntry> {
      const entry: HistoryEntry = {
        id: newId(),
        createdAt: Date.now(),
        model: get().model.info?.name ?? deps.modelUrl,
        settings: { ...get().settings },
        result,
        role,
        ...(group ? { group } : {}),
      };
      set({ history: [entry, ...get().history] });
      try {
        await historyDb?.put(entry);
      } catch (e) {
        notify('info', `This video could not be saved for later: ${(e as Error).message}`, 'History not saved');
      }
      return entry;
    }

    function canRun(): boolean {
      const s = get();
      if (s.model.status !== 'ready') {
        notify('info', 'The model is still loading; Generate becomes available when it is ready.', 'Model not ready');
        return false;
      }
      if (s.run?.status === 'running') return false;
      if (!s.settings.prompt.trim()) {
        notify('empty-prompt', 'Describe the video you want, e.g. "a red circle moving left on a black background".');
        return false;
      }
      return true;
    }

    /** Hands a run's outcome (null: it failed) to whoever awaits it and forgets the run. */
    function settle(id: number, result: GenerateResult | null): void {
      waiting.get(id)?.resolve(result);
      waiting.delete(id);
      cancelFlags.delete(id);
    }

    function handle(msg: FromWorker): void {
      if ('load' in msg && msg.load !== loadId) return;
      switch (msg.type) {
        case 'load-stage':
          set({ model: { ...get().model, stage: msg.stage } });
          return;
        case 'file': {
          const m = get().model;
          set({ model: { ...m, files: { ...m.files, [msg.progress.path]: msg.progress } } });
          if (msg.progress.stage === 'refetching' && msg.progress.note) {
            notify('info', `${msg.progress.path}: ${msg.progress.note}.`, 'Model file fetched again');
          }
          return;
        }
        case 'compile': {
          const m = get().model;
          set({ model: { ...m, compile: { ...m.compile, [msg.session]: { index: msg.index, count: msg.count, done: msg.done } } } });
          return;
        }
        case 'ready': {
          set({ model: { ...get().model, status: 'ready', info: msg.info } });
          if (msg.info.fallback) {
            // Asked for WebGPU, or none at all: that is news. 'auto' skipping a software adapter is just a note.
            const missing = get().settings.backend === 'webgpu' || /unavailable|failed|no adapter/i.test(msg.info.fallback);
            if (missing) notify('no-webgpu', msg.info.fallback);
            else notify('info', msg.info.fallback, 'Running on WASM');
          }
          return;
        }
        case 'load-error': {
          set({ model: { ...get().model, status: 'error' } });
          fail(msg.error);
          return;
        }
        case 'step': {
          const run = get().run;
          if (!run || run.id !== msg.id) return;
          const previews = run.previews.slice();
          previews[msg.event.record.step - 1] = msg.event.preview ?? null;
          set({ run: { ...run, records: [...run.records, msg.event.record], previews } });
          return;
        }
        case 'done': {
          const run = get().run;
          if (run && run.id === msg.id) set({ run: { ...run, status: 'done', result: msg.result } });
          settle(msg.id, msg.result);
          return;
        }
        case 'run-error': {
          const run = get().run;
          if (run && run.id === msg.id) set({ run: { ...run, status: msg.error.kind === 'cancelled' ? 'cancelled' : 'error' } });
          settle(msg.id, null);
          fail(msg.error);
          if (msg.error.kind === 'device-lost') {
            notify('info', 'Finished videos are kept. The model is being loaded again on a fresh device.', 'Recovering');
            get().loadModel();
          }
          return;
        }
      }
    }
    /** Ends every run the gone worker held; a restarted worker gets the model again. */
    function engineFailed(failure: EngineFailure): void {
      for (const id of [...waiting.keys()]) settle(id, null);
      const run = get().run;
      if (run?.status === 'running') set({ run: { ...run, status: 'error' } });
      if (failure.restarted) {
        notify('internal', `${failure.message}. Finished videos are kept; the model is being loaded again.`, 'The engine stopped');
        get().loadModel();
      } else {
        set({ model: { ...get().model, status: 'error' } });
        notify('internal', `${failure.message}. Press Try again; if it fails again, this browser cannot run the engine.`, 'The engine could not start');
      }
    }
    deps.link.onMessage(handle);
    deps.link.onFailure(engineFailed);

    return {
      settings: DEFAULT_SETTINGS,
      model: { url: deps.modelUrl, status: 'idle', files: {}, compile: {} },
      run: null,
      scrubStep: null,
      current: null,
      compare: null,
      history: [],
      historyPersistent: false,
      notices: [],

      async init(search) {
        set({ settings: settingsFromQuery(search) });
        get().loadModel();
        try {
          historyDb = await deps.history();
          set({ history: await historyDb.list(), historyPersistent: historyDb.persistent });
        } catch (e) {
          notify('info', `Earlier videos could not be read: ${(e as Error).message}`, 'History unavailable');
        }
      },

      setSettings(patch) {
        const settings = { ...get().settings, ...patch };
        set({ settings });
        deps.writeQuery?.(settingsToQuery(settings));
        if (patch.backend && patch.backend !== get().model.info?.backend) get().loadModel();
      },

      randomizeSeed() {
        get().setSettings({ seed: Math.floor(Math.random() * 2 ** 31) });
      },

      loadModel() {
        set({ model: { url: deps.modelUrl, status: 'loading', files: {}, compile: {} } });
        deps.link.post({ type: 'load', load: ++loadId, modelUrl: deps.modelUrl, backend: get().settings.backend });
      },

      async generate() {
        if (!canRun()) return null;
        set({ compare: null });
        const result = await runOne('single', requestOf(get().settings));
        if (!result) return null;
        const entry = await remember(result, 'single');
        set({ current: entry });
        return entry;
      },

      async compareRun() {
        if (!canRun()) return;
        const settings = get().settings;
        const policy: PolicySpec = policyOf(settings);
        if (policy.kind === 'none') {
          notify('invalid-request', 'Pick a caching policy (AdaCache, static or TeaCache) to compare against the baseline.');
          return;
        }
        const group = newId();
        set({ compare: { group, status: 'running' } });
        const base = await runOne('baseline', requestOf(settings, { kind: 'none' }));
        if (!base) {
          set({ compare: { group, status: get().run?.status === 'cancelled' ? 'cancelled' : 'error' } });
          return;
        }
        const baseline = await remember(base, 'baseline', group);
        set({ compare: { group, status: 'running', baseline } });
        const res = await runOne('cached', requestOf(settings, policy));
        if (!res) {
          set({ compare: { group, status: get().run?.status === 'cancelled' ? 'cancelled' : 'error', baseline } });
          return;
        }
        const cached = await remember(res, 'cached', group);
        set({ current: cached, compare: scoreCompare(group, baseline, cached) });
      },

      cancel() {
        const run = get().run;
        if (run?.status !== 'running') return;
        const flag = cancelFlags.get(run.id);
        if (flag) Atomics.store(flag, 0, 1);
        deps.link.post({ type: 'cancel', id: run.id });
      },

      selectStep(step) {
        set({ scrubStep: step });
      },

      openEntry(id) {
        const entry = get().history.find((e) => e.id === id);
        if (!entry) return;
        set({ current: entry, settings: { ...entry.settings } });
        deps.writeQuery?.(settingsToQuery(entry.settings));
      },

      async deleteEntry(id) {
        await historyDb?.delete(id);
        const s = get();
        set({
          history: s.history.filter((e) => e.id !== id),
          current: s.current?.id === id ? null : s.current,
          compare: s.compare && (s.compare.baseline?.id === id || s.compare.cached?.id === id) ? null : s.compare,
        });
      },

      compareEntry(id) {
        const { history } = get();
        const entry = history.find((e) => e.id === id);
        if (!entry) return;
        const base = findBaseline(entry, history);
        if (!base) {
          notify('info', 'No baseline video with the same prompt, seed, steps and guidance is in the history. Use Compare to make one.', 'Nothing to compare with');
          return;
        }
        set({ current: entry, compare: scoreCompare(entry.group ?? base.id, base, entry) });
      },

      dismiss(id) {
        set({ notices: get().notices.filter((n) => n.id !== id) });
      },
    };
  });
  return store;
}

function sameVideoSettings(a: GenerateRequest, b: GenerateRequest): boolean {
  return a.prompt === b.prompt && a.seed === b.seed && a.steps === b.steps && a.guidance === b.guidance;
}

/** The uncached run this entry should be judged against: same group first, then same settings. */
function findBaseline(entry: HistoryEntry, history: HistoryEntry[]): HistoryEntry | undefined {
  const isBase = (e: HistoryEntry) => e.id !== entry.id && e.result.request.policy.kind === 'none';
  return (
    history.find((e) => isBase(e) && entry.group !== undefined && e.group === entry.group) ??
    history.find((e) => isBase(e) && e.model === entry.model && sameVideoSettings(e.result.request, entry.result.request))
  );
}

function scoreCompare(group: string, baseline: HistoryEntry, cached: HistoryEntry): CompareView {
  const a = cached.result.video;
  const b = baseline.result.video;
  const same = a.frames === b.frames && a.height === b.height && a.width === b.width;
  return {
    group,
    status: 'done',
    baseline,
    cached,
    ...(same ? { psnr: psnr(a, b), ssim: ssim(a, b) } : {}),
  };
}

export function speedup(c: CompareView): number | undefined {
  if (!c.baseline || !c.cached) return undefined;
  return c.baseline.result.wallMs / c.cached.result.wallMs;
}
