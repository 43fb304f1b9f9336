import { useMemo, useState } from 'react';
import type { PolicySpec, StepRecord } from '../engine/api.ts';
import { policyLabel } from '../store/settings.ts';
import type { CodebookRow } from '../worker/protocol.ts';
import { useStudio } from './context.ts';

const W = 760;
const LEFT = 64;
const RIGHT = 12;
const LANES = { marks: [4, 26], distance: [40, 120], rate: [134, 184], ms: [198, 246] } as const;
const H = 262;
const NO_CODEBOOKS: Record<string, CodebookRow[]> = {};

/** Codebook rows of a policy: a named one from the model, or the "t:r,..." form. */
export function codebookRows(policy: PolicySpec, named: Record<string, CodebookRow[]>): CodebookRow[] {
  if (policy.kind !== 'adacache') return [];
  if (named[policy.codebook]) return named[policy.codebook]!;
  return policy.codebook
    .split(',')
    .map((p) => p.split(':').map(Number))
    .filter(([t, r]) => Number.isFinite(t) && Number.isFinite(r))
    .map(([t, r]) => ({ threshold: t!, rate: r! }));
}

function lane([top, bottom]: readonly [number, number], max: number) {
  return (v: number) => bottom - (max > 0 ? (v / max) * (bottom - top) : 0);
}

/** One mark per step (computed or reused), with distance, thresholds, rate, MoReg and time per step. */
export function Timeline() {
  const run = useStudio((s) => s.run);
  const current = useStudio((s) => s.current);
  const named = useStudio((s) => s.model.info?.codebooks ?? NO_CODEBOOKS);
  const select = useStudio((s) => s.selectStep);
  const scrubStep = useStudio((s) => s.scrubStep);
  const [hover, setHover] = useState<StepRecord | null>(null);

  const showRun = run && (run.status === 'running' || !current || current.result === run.result);
  const records = showRun ? run.records : (current?.result.trace.records ?? []);
  const policy = showRun ? run.request.policy : current?.result.request.policy;
  const steps = showRun ? run.request.steps : (current?.result.request.steps ?? 0);
  const rows = useMemo(() => (policy ? codebookRows(policy, named) : []), [policy, named]);

  if (!policy || steps === 0) {
    return (
      <section className="panel timeline" aria-label="Skip and compute timeline">
        <h2>Timeline</h2>
        <p className="muted">Generate a video to see which steps were computed and which reused.</p>
      </section>
    );
  }

  const colW = (W - LEFT - RIGHT) / steps;
  const x = (step: number) => LEFT + (step - 0.5) * colW;
  const distances = records.filter((r) => r.distance !== undefined).map((r) => r.distance!);
  const dMax = Math.max(1e-9, ...distances, ...rows.slice(0, -1).map((r) => r.threshold)) * 1.1;
  const rateMax = Math.max(1, ...records.map((r) => Math.max(r.rate ?? 0, r.moreg ?? 0)));
  const msMax = Math.max(1, ...records.map((r) => r.ms));
  const yD = lane(LANES.distance, dMax);
  const yR = lane(LANES.rate, rateMax);
  const yM = lane(LANES.ms, msMax);
  const computed = records.filter((r) => r.computed).length;
  const line = (pts: [number, number][]) => pts.map(([a, b], i) => `${i ? 'L' : 'M'}${a.toFixed(1)},${b.toFixed(1)}`).join('');
  const withRate = records.filter((r) => r.rate !== undefined);
  const withMoreg = records.filter((r) => r.moreg !== undefined);
  const hovered = hover ?? (scrubStep ? records[scrubStep - 1] : undefined);

  return (
    <section className="panel timeline" aria-label="Skip and compute timeline">
      <header className="panel-head">
        <h2>Timeline</h2>
        <span className="muted" data-testid="timeline-summary">
          {policyLabel(policy)} · {computed} computed, {records.length - computed} reused of {records.length}
        </span>
      </header>
      <div className="timeline-wrap">
        <svg viewBox={`0 0 ${W} ${H}`} className="timeline-svg" role="group" aria-label="Step marks">
          <text x={4} y={18} className="axis">blocks</text>
          <text x={4} y={LANES.distance[0] + 10} className="axis">distance</text>
          <text x={4} y={LANES.rate[0] + 10} className="axis rate">rate</text>
          <text x={4} y={LANES.rate[0] + 24} className="axis moreg">MoReg</text>
          {distances.length > 0 && <text x={4} y={LANES.distance[1]} className="axis">{(dMax / 1.1).toPrecision(2)} max</text>}
          <text x={4} y={LANES.rate[1]} className="axis">{rateMax.toFixed(rateMax < 3 ? 2 : 0)} max</text>
          <text x={4} y={LANES.ms[0] + 10} className="axis">ms/step</text>
          <text x={4} y={LANES.ms[1]} className="axis">{msMax.toFixed(0)} max</text>
          {rows.slice(0, -1).map((r) => (
            <g key={r.threshold}>
              <line x1={LEFT} x2={W - RIGHT} y1={yD(r.threshold)} y2={yD(r.threshold)} className="threshold" />
              <text x={W - RIGHT - 2} y={yD(r.threshold) - 2} className="axis end">
                {r.threshold} → {r.rate}
              </text>
            </g>
          ))}
          {withRate.length > 1 && <path d={line(withRate.map((r) => [x(r.step), yR(r.rate!)]))} className="series rate" />}
          {withMoreg.length > 1 && <path d={line(withMoreg.map((r) => [x(r.step), yR(r.moreg!)]))} className="series moreg" />}
          {records.map((r) => (
            <g key={r.step}>
              <rect
                data-testid="timeline-mark"
                data-computed={r.computed}
                x={x(r.step) - colW * 0.4}
                y={LANES.marks[0]}
                width={colW * 0.8}
                height={LANES.marks[1] - LANES.marks[0]}
                rx={2}
                className={r.computed ? 'mark computed' : 'mark reused'}
              />
              {r.distance !== undefined && <circle cx={x(r.step)} cy={yD(r.distance)} r={3.5} className="dot distance" />}
              {r.rate !== undefined && <circle cx={x(r.step)} cy={yR(r.rate)} r={3} className="dot rate" />}
              {r.moreg !== undefined && <circle cx={x(r.step)} cy={yR(r.moreg)} r={2.5} className="dot moreg" />}
              <rect x={x(r.step) - colW * 0.3} y={yM(r.ms)} width={colW * 0.6} height={LANES.ms[1] - yM(r.ms)} className={r.computed ? 'bar computed' : 'bar reused'} />
              <rect
                x={x(r.step) - colW / 2}
                y={0}
                width={colW}
                height={H}
                className={`hit ${scrubStep === r.step ? 'selected' : ''}`}
                tabIndex={0}
                role="button"
                aria-label={`Step ${r.step}: ${r.computed ? 'computed' : 'reused'}, ${r.ms.toFixed(0)} ms`}
                onMouseEnter={() => setHover(r)}
                onMouseLeave={() => setHover(null)}
                onFocus={() => setHover(r)}
                onBlur={() => setHover(null)}
                onClick={() => select(r.step)}
                onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && select(r.step)}
              />
            </g>
          ))}
        </svg>
        <div className="timeline-legend">
          <span><i className="sw computed" /> computed</span>
          <span><i className="sw reused" /> reused</span>
          <span><i className="sw distance" /> distance (codebook input)</span>
          <span><i className="sw threshold" /> thresholds</span>
          <span><i className="sw rate" /> rate</span>
          <span><i className="sw moreg" /> MoReg factor</span>
        </div>
        <div className="timeline-tip" data-testid="timeline-tip" aria-live="polite">
          {hovered ? (
            <>
              <strong>Step {hovered.step}</strong> · t={hovered.timestep.toFixed(1)} · {hovered.computed ? 'computed' : 'reused'} ·{' '}
              {hovered.ms.toFixed(1)} ms
              {hovered.distance !== undefined && <> · distance {hovered.distance.toFixed(4)}</>}
              {hovered.rate !== undefined && <> · rate {hovered.rate}</>}
              {hovered.moreg !== undefined && <> · MoReg {hovered.moreg.toFixed(3)}</>}
              {hovered.mograd !== undefined && <> · mograd {hovered.mograd.toFixed(3)}</>}
            </>
          ) : (
            <span className="muted">Hover or focus a step for its numbers; click to show it in the scrubber.</span>
          )}
        </div>
      </div>
    </section>
  );
}
