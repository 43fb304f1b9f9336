import { useStudio } from './context.ts';

export function Notices() {
  const notices = useStudio((s) => s.notices);
  const dismiss = useStudio((s) => s.dismiss);
  if (notices.length === 0) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind === 'info' ? 'info' : 'error'}`} role={n.kind === 'info' ? 'status' : 'alert'} data-kind={n.kind}>
          <div>
            <strong>{n.title}</strong>
            <p>{n.detail}</p>
          </div>
          <button type="button" onClick={() => dismiss(n.id)} aria-label={`Dismiss: ${n.title}`}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
