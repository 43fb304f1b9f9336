import { useState } from 'react';
import { policyLabel } from '../store/settings.ts';
import { speedup } from '../store/studio.ts';
import { useStudio } from './context.ts';
import { PlayControls, usePlayhead, VideoCanvas } from './VideoCanvas.tsx';

function fmt(n: number | undefined, digits: number, unit = ''): string {
  if (n === undefined) return '–';
  if (n === Infinity) return '∞' + unit;
  return n.toFixed(digits) + unit;
}

/** Baseline and cached video side by side with one shared playhead, and what caching cost and saved. */
export function ComparePanel() {
  const compare = useStudio((s) => s.compare);
  const [playing, setPlaying] = useState(true);
  const base = compare?.baseline?.result;
  const cached = compare?.cached?.result;
  const frames = Math.min(base?.video.frames ?? 0, cached?.video.frames ?? base?.video.frames ?? 0);
  const [frame, setFrame] = usePlayhead(frames, base?.video.fps ?? 8, playing);
  if (!compare) return null;
  const sp = speedup(compare);
  return (
    <section className="panel compare" aria-label="Compare with baseline" data-testid="compare">
      <header className="panel-head">
        <h2>Compare</h2>
        <span className="muted">{compare.status === 'running' ? (base ? 'running the cached policy…' : 'running the baseline…') : compare.status}</span>
      </header>
      <div className="compare-grid">
        <figure>
          <VideoCanvas video={base?.video ?? null} frame={frame} label="Baseline video" testId="compare-baseline" />
          <figcaption>Baseline (no cache)</figcaption>
        </figure>
        <figure>
          <VideoCanvas video={cached?.video ?? null} frame={frame} label="Cached video" testId="compare-cached" />
          <figcaption>{cached ? policyLabel(cached.request.policy) : 'cached'}</figcaption>
        </figure>
      </div>
      <PlayControls frames={frames} frame={frame} playing={playing} setPlaying={setPlaying} setFrame={setFrame} label="both videos" />
      <table className="stats">
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col">Baseline</th>
            <th scope="col">Cached</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Wall time</th>
            <td>{fmt(base?.wallMs && base.wallMs / 1000, 2, ' s')}</td>
            <td>{fmt(cached?.wallMs && cached.wallMs / 1000, 2, ' s')}</td>
          </tr>
          <tr>
            <th scope="row">Computed steps</th>
            <td>{base ? `${base.trace.recomputed_steps.length}/${base.trace.steps}` : '–'}</td>
            <td data-testid="compare-computed">{cached ? `${cached.trace.recomputed_steps.length}/${cached.trace.steps}` : '–'}</td>
          </tr>
          <tr>
            <th scope="row">Speedup</th>
            <td>1.00×</td>
            <td data-testid="speedup" data-value={sp ?? ''}>
              {fmt(sp, 2, '×')}
            </td>
          </tr>
          <tr>
            <th scope="row">PSNR vs baseline</th>
            <td>–</td>
            <td data-testid="psnr" data-value={compare.psnr ?? ''}>
              {fmt(compare.psnr, 2, ' dB')}
            </td>
          </tr>
          <tr>
            <th scope="row">SSIM vs baseline</th>
            <td>–</td>
            <td data-testid="ssim" data-value={compare.ssim ?? ''}>
              {fmt(compare.ssim, 4)}
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
