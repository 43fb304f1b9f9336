import { useMemo } from 'react';
import { LIMITS, type PolicyKind } from '../store/settings.ts';
import { useStudio } from './context.ts';

/** Words of the prompt the model's vocabulary lacks (case-insensitive, punctuation ignored). */
function unknownWords(prompt: string, vocabulary: string[]): string[] {
  if (vocabulary.length === 0) return [];
  const known = new Set(vocabulary.map((w) => w.toLowerCase()));
  const words = prompt.toLowerCase().match(/[a-z0-9-]+/g) ?? [];
  return [...new Set(words.filter((w) => !known.has(w)))];
}

export function PromptPanel() {
  const settings = useStudio((s) => s.settings);
  const info = useStudio((s) => s.model.info);
  const ready = useStudio((s) => s.model.status === 'ready');
  const running = useStudio((s) => s.run?.status === 'running');
  const set = useStudio((s) => s.setSettings);
  const randomize = useStudio((s) => s.randomizeSeed);
  const generate = useStudio((s) => s.generate);
  const compareRun = useStudio((s) => s.compareRun);
  const cancel = useStudio((s) => s.cancel);
  const vocabulary = info?.vocabulary ?? [];
  const unknown = useMemo(() => unknownWords(settings.prompt, vocabulary), [settings.prompt, vocabulary]);
  // fast, slow and 100 are built into the engine; packages may add calibrated ones.
  const codebooks = [...new Set(['fast', 'slow', '100', ...Object.keys(info?.codebooks ?? {})])];
  const customCodebook = !codebooks.includes(settings.codebook);

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void generate();
    }
  };

  return (
    <form
      className="panel prompt-panel"
      aria-label="Generation settings"
      onSubmit={(e) => {
        e.preventDefault();
        void generate();
      }}
    >
      <label htmlFor="prompt">Prompt</label>
      <textarea
        id="prompt"
        value={settings.prompt}
        rows={3}
        placeholder={info && !info.takesText ? 'any text (this model has no text encoder)' : 'a red circle moving left on a black background'}
        onChange={(e) => set({ prompt: e.target.value })}
        onKeyDown={onKey}
        aria-describedby="prompt-help"
        aria-invalid={unknown.length > 0}
      />
      <div id="prompt-help" className="help">
        {info && !info.takesText && (
          <span>This model has no text encoder: the prompt picks a fixed caption, and only the seed and settings shape the video.</span>
        )}
        {unknown.length > 0 && (
          <span className="warn" data-testid="unknown-words">
            Not in the vocabulary: {unknown.join(', ')}
          </span>
        )}
      </div>
      {vocabulary.length > 0 && (
        <details className="vocab">
          <summary>Vocabulary ({vocabulary.length} words)</summary>
          <div className="chips">
            {vocabulary.map((w) => (
              <button type="button" key={w} className="chip" onClick={() => set({ prompt: (settings.prompt.trim() + ' ' + w).trim() })}>
                {w}
              </button>
            ))}
          </div>
        </details>
      )}

      <div className="row">
        <div className="field wide">
          <label htmlFor="seed">Seed</label>
          <div className="inline">
            <input
              id="seed"
              type="number"
              min={LIMITS.seed.min}
              max={LIMITS.seed.max}
              value={settings.seed}
              onChange={(e) => Number.isInteger(Number(e.target.value)) && set({ seed: Number(e.target.value) })}
            />
            <button type="button" onClick={randomize} aria-label="Random seed" title="Random seed">
              Random
            </button>
          </div>
        </div>
        <div className="field">
          <label htmlFor="steps">Steps</label>
          <input
            id="steps"
            type="number"
            min={LIMITS.steps.min}
            max={LIMITS.steps.max}
            value={settings.steps}
            onChange={(e) => {
              const v = Number(e.target.value);
              if (Number.isInteger(v) && v >= LIMITS.steps.min && v <= LIMITS.steps.max) set({ steps: v });
            }}
          />
        </div>
        <div className="field">
          <label htmlFor="guidance">Guidance</label>
          <input
            id="guidance"
            type="number"
            step={0.5}
            min={LIMITS.guidance.min}
            max={LIMITS.guidance.max}
            value={settings.guidance}
            onChange={(e) => {
              const v = Number(e.target.value);
              if (Number.isFinite(v) && v >= LIMITS.guidance.min && v <= LIMITS.guidance.max) set({ guidance: v });
            }}
          />
        </div>
      </div>

      <fieldset>
        <legend>Caching</legend>
        <label htmlFor="policy">Policy</label>
        <select id="policy" value={settings.policy} onChange={(e) => set({ policy: e.target.value as PolicyKind })}>
          <option value="none">Off (baseline)</option>
          <option value="adacache">AdaCache</option>
          <option value="static">Static (every k steps)</option>
          <option value="teacache">TeaCache</option>
        </select>
        {settings.policy === 'adacache' && (
          <>
            <label htmlFor="codebook">Codebook</label>
            <select
              id="codebook"
              value={customCodebook ? '__custom' : settings.codebook}
              onChange={(e) => set({ codebook: e.target.value === '__custom' ? '0.1:3,0.2:2' : e.target.value })}
            >
              {codebooks.map((c) => (
                <option key={c} value={c}>
                  {c === 'fast' ? 'fast' : c === 'slow' ? 'slow' : c === '100' ? '100 steps' : `calibrated: ${c}`}
                </option>
              ))}
              <option value="__custom">custom thresholds…</option>
            </select>
            {customCodebook && (
              <>
                <label htmlFor="codebook-custom">Thresholds (distance:rate, …)</label>
                <input
                  id="codebook-custom"
                  value={settings.codebook}
                  pattern="(\d*\.?\d+:\d+)(,\d*\.?\d+:\d+)*"
                  onChange={(e) => set({ codebook: e.target.value.replace(/\s+/g, '') })}
                />
              </>
            )}
            <label className="check">
              <input type="checkbox" checked={settings.moreg} onChange={(e) => set({ moreg: e.target.checked })} />
              MoReg (more compute for more motion)
            </label>
          </>
        )}
        {settings.policy === 'static' && (
          <>
            <label htmlFor="interval">Recompute every</label>
            <input
              id="interval"
              type="number"
              min={LIMITS.staticInterval.min}
              max={LIMITS.staticInterval.max}
              value={settings.staticInterval}
              onChange={(e) => Number.isInteger(Number(e.target.value)) && set({ staticInterval: Number(e.target.value) })}
            />
          </>
        )}
        {settings.policy === 'teacache' && (
          <>
            <label htmlFor="threshold">Threshold</label>
            <input
              id="threshold"
              type="number"
              step={0.05}
              min={LIMITS.teacacheThreshold.min}
              max={LIMITS.teacacheThreshold.max}
              value={settings.teacacheThreshold}
              onChange={(e) => Number(e.target.value) > 0 && set({ teacacheThreshold: Number(e.target.value) })}
            />
          </>
        )}
      </fieldset>

      <div className="actions">
        <button type="submit" className="primary" disabled={!ready || running} title="Ctrl+Enter">
          Generate
        </button>
        <button type="button" disabled={!ready || running || settings.policy === 'none'} onClick={() => void compareRun()}>
          Compare with baseline
        </button>
        <button type="button" className="danger" disabled={!running} onClick={cancel} title="Esc">
          Cancel
        </button>
      </div>
    </form>
  );
}
