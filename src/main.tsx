import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { DEFAULT_MODEL_URL } from './model/loader.ts';
import { openHistory } from './store/history.ts';
import { createStudio } from './store/studio.ts';
import { App } from './ui/App.tsx';
import { StudioContext } from './ui/context.ts';
import './ui/styles.css';
import { createWorkerLink } from './worker/link.ts';

const link = createWorkerLink(() => new Worker(new URL('./worker/engineWorker.ts', import.meta.url), { type: 'module', name: 'engine' }));

// `?model=<url>` loads another package (e.g. the converted reference checkpoint in tests).
const modelParam = new URLSearchParams(location.search).get('model');
const modelUrl = new URL(modelParam ?? DEFAULT_MODEL_URL, new URL(import.meta.env.BASE_URL, location.href)).href;

const store = createStudio({
  link,
  history: openHistory,
  modelUrl,
  writeQuery: (query) => {
    const keep = modelParam ? `model=${encodeURIComponent(modelParam)}${query ? '&' : ''}` : '';
    history.replaceState(null, '', `${location.pathname}?${keep}${query}`);
  },
});
void store.getState().init(location.search);

// Lets tests and curious people exercise the device-loss recovery for real.
(window as unknown as { studioDebug: object }).studioDebug = { loseDevice: () => link.post({ type: 'lose-device' }) };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StudioContext.Provider value={store}>
      <App />
    </StudioContext.Provider>
  </StrictMode>,
);
