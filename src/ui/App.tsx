import { useEffect } from 'react';
import { ComparePanel } from './ComparePanel.tsx';
import { useStudio } from './context.ts';
import { HistoryPanel } from './HistoryPanel.tsx';
import { ModelBadge, ModelStatus } from './ModelStatus.tsx';
import { Notices } from './Notices.tsx';
import { PromptPanel } from './PromptPanel.tsx';
import { ResultPanel } from './ResultPanel.tsx';
import { Scrubber } from './Scrubber.tsx';
import { Timeline } from './Timeline.tsx';

export function App() {
  const cancel = useStudio((s) => s.cancel);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') cancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [cancel]);
  return (
    <div className="app">
      <header className="topbar">
        <h1>
          AdaCache <span>Studio</span>
        </h1>
        <ModelStatusBadge />
      </header>
      <main className="layout">
        <aside className="side">
          <PromptPanel />
          <ModelStatus />
        </aside>
        <div className="main">
          <Notices />
          <div className="top-row">
            <Scrubber />
            <ResultPanel />
          </div>
          <Timeline />
          <ComparePanel />
          <HistoryPanel />
        </div>
      </main>
    </div>
  );
}

function ModelStatusBadge() {
  const status = useStudio((s) => s.model.status);
  if (status === 'ready') return <ModelBadge />;
  return (
    <div className="model-ready" role="status">
      <span className="muted">{status === 'error' ? 'model failed to load' : 'loading model…'}</span>
    </div>
  );
}
