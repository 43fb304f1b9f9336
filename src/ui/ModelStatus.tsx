import type { LoadStage } from '../worker/protocol.ts';
import { useStudio } from './context.ts';

function mb(n: number): string {
  return (n / 1e6).toFixed(n < 1e7 ? 2 : 1);
}

/** The loaded model and backend, for the top bar. */
export function ModelBadge() {
  const info = useStudio((s) => s.model.info);
  if (!info) return null;
  return (
    <div className="model-ready" data-testid="model-ready" role="status">
      <strong>{info.name}</strong>
      <span className={`badge ${info.backend}`} data-testid="backend" title={info.backendDescription}>
        {info.backend === 'webgpu' ? 'WebGPU' : info.backend === 'wasm' ? 'WASM (CPU)' : info.backend}
      </span>
      <span className="muted">
        {info.defaults.frames}×{info.defaults.height}×{info.defaults.width} @ {info.defaults.fps} fps
      </span>
    </div>
  );
}

/** The step a load is on where the file and compile lists do not show it yet. */
function stageLine(stage: LoadStage | undefined, filesListed: boolean, compiling: boolean) {
  const text =
    stage === 'releasing'
      ? 'Releasing the previous model…'
      : stage === 'backend' && !compiling
        ? 'Opening the GPU (or the WASM runtime)…'
        : !filesListed
          ? 'Reading the package manifest…'
          : null;
  return text && (
    <li className="muted" data-testid="load-stage">
      {text}
    </li>
  );
}

/** Loading progress of the model: download/verify per file, then compile per session. Folds away once ready. */
export function ModelStatus() {
  const model = useStudio((s) => s.model);
  const reload = useStudio((s) => s.loadModel);
  const files = Object.values(model.files);
  const sessions = Object.entries(model.compile).sort((a, b) => a[1].index - b[1].index);
  const list = (
    <ul className="progress-list">
      {files.map((f) => (
        <li key={f.path}>
          <span className="mono">{f.path}</span>
          <progress max={f.total || 1} value={f.loaded} aria-label={`Download of ${f.path}`} />
          <span className="muted">
            {f.stage === 'cached' ? 'cached ✓' : f.stage === 'ready' ? 'verified ✓' : f.stage === 'queued' ? `waiting (${mb(f.total)} MB)` : `${f.stage} ${mb(f.loaded)}/${mb(f.total)} MB`}
          </span>
          {f.note && <span className="warn">{f.note}</span>}
        </li>
      ))}
      {sessions.map(([name, c]) => (
        <li key={name}>
          <span className="mono">{name}</span>
          <progress max={1} value={c.done ? 1 : undefined} aria-label={`Compile of ${name}`} />
          <span className="muted">{c.done ? 'compiled ✓' : 'compiling…'}</span>
        </li>
      ))}
      {model.status === 'loading' && stageLine(model.stage, files.length > 0, sessions.length > 0)}
    </ul>
  );
  if (model.status === 'ready') {
    return (
      <details className="panel model-status" data-testid="model-files">
        <summary>Model files ({files.length} verified, {sessions.length} sessions)</summary>
        {list}
      </details>
    );
  }
  return (
    <section className="panel model-status" aria-label="Model loading" data-testid="model-status" aria-busy={model.status === 'loading'}>
      <h2>{model.status === 'error' ? 'Model failed to load' : 'Loading the model'}</h2>
      {list}
      {model.status === 'error' && (
        <button type="button" onClick={reload}>
          Try again
        </button>
      )}
    </section>
  );
}
