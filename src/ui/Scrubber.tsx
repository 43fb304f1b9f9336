import { useState } from 'react';
import { policyLabel } from '../store/settings.ts';
import { useStudio } from './context.ts';
import { PlayControls, usePlayhead, VideoCanvas } from './VideoCanvas.tsx';

/** Every step's preview as it arrives; scrub across steps and play the frames of any step. */
export function Scrubber() {
  const run = useStudio((s) => s.run);
  const scrubStep = useStudio((s) => s.scrubStep);
  const select = useStudio((s) => s.selectStep);
  const [playing, setPlaying] = useState(true);
  const arrived = run ? run.records.length : 0;
  const total = run?.request.steps ?? 0;
  const step = scrubStep !== null ? Math.min(scrubStep, arrived) : arrived;
  const preview = run && step > 0 ? (run.previews[step - 1] ?? null) : null;
  const [frame, setFrame] = usePlayhead(preview?.frames ?? 0, preview?.fps ?? 8, playing);
  const record = run && step > 0 ? run.records[step - 1] : undefined;

  return (
    <section className="panel scrubber" aria-label="Denoising steps">
      <header className="panel-head">
        <h2>Denoising</h2>
        {run && (
          <span className="muted">
            {run.role === 'baseline' ? 'baseline' : policyLabel(run.request.policy)} · {run.status === 'running' ? 'running' : run.status}
          </span>
        )}
      </header>
      <div className="scrub-body">
        <VideoCanvas video={preview} frame={frame} label={`Prediction at step ${step}, frame ${frame + 1}`} testId="scrub-preview" />
        <div className="scrub-side">
          <div className="big-number" data-testid="scrubber-count" data-count={arrived} aria-live="polite">
            {run ? `${arrived}/${total} steps` : 'no run yet'}
          </div>
          {run?.status === 'running' && <progress max={total || 1} value={arrived} aria-label="Generation progress" />}
          {record && (
            <dl className="kv">
              <dt>step</dt>
              <dd>{record.step}</dd>
              <dt>timestep</dt>
              <dd>{record.timestep.toFixed(1)}</dd>
              <dt>blocks</dt>
              <dd>{record.computed ? 'computed' : 'reused'}</dd>
              <dt>time</dt>
              <dd>{record.ms.toFixed(0)} ms</dd>
            </dl>
          )}
        </div>
      </div>
      <label htmlFor="step-slider" className="sr-only">
        Step
      </label>
      <input
        id="step-slider"
        data-testid="step-slider"
        type="range"
        min={arrived > 0 ? 1 : 0}
        max={Math.max(arrived, 1)}
        value={step}
        disabled={arrived === 0}
        onChange={(e) => {
          const v = Number(e.target.value);
          select(v === arrived && run?.status === 'running' ? null : v);
        }}
        aria-valuetext={`step ${step} of ${total}`}
      />
      <div className="scrub-foot">
        <PlayControls frames={preview?.frames ?? 0} frame={frame} playing={playing} setPlaying={setPlaying} setFrame={setFrame} label="preview" />
        <button type="button" onClick={() => select(null)} disabled={scrubStep === null}>
          Follow latest
        </button>
      </div>
    </section>
  );
}
