import { policyLabel } from '../store/settings.ts';
import { useStudio } from './context.ts';
import { VideoCanvas } from './VideoCanvas.tsx';

/** Finished videos kept across reloads: open, compare against their baseline, delete. */
export function HistoryPanel() {
  const history = useStudio((s) => s.history);
  const persistent = useStudio((s) => s.historyPersistent);
  const currentId = useStudio((s) => s.current?.id);
  const open = useStudio((s) => s.openEntry);
  const remove = useStudio((s) => s.deleteEntry);
  const compare = useStudio((s) => s.compareEntry);
  return (
    <section className="panel history" aria-label="History">
      <header className="panel-head">
        <h2>History</h2>
        <span className="muted">{persistent ? 'kept in this browser' : 'this session only'}</span>
      </header>
      {history.length === 0 && <p className="muted">Finished videos appear here.</p>}
      <ul className="history-list">
        {history.map((e) => (
          <li key={e.id} data-testid="history-item" className={e.id === currentId ? 'selected' : ''}>
            <VideoCanvas video={e.result.video} frame={Math.floor(e.result.video.frames / 2)} label={`Thumbnail of ${e.result.request.prompt}`} />
            <div className="history-text">
              <strong title={e.result.request.prompt}>{e.result.request.prompt}</strong>
              <span className="muted">
                {policyLabel(e.result.request.policy)} · seed {e.result.request.seed} · {e.result.request.steps} steps ·{' '}
                {(e.result.wallMs / 1000).toFixed(1)} s
              </span>
              <span className="muted">{new Date(e.createdAt).toLocaleString()}</span>
            </div>
            <div className="history-actions">
              <button type="button" onClick={() => open(e.id)} aria-label={`Open ${e.result.request.prompt}`}>
                Open
              </button>
              {e.result.request.policy.kind !== 'none' && (
                <button type="button" onClick={() => compare(e.id)} aria-label={`Compare ${e.result.request.prompt} with its baseline`}>
                  Compare
                </button>
              )}
              <button type="button" className="danger" onClick={() => void remove(e.id)} aria-label={`Delete ${e.result.request.prompt}`}>
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
