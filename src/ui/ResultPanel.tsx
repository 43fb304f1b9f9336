import { useState } from 'react';
import type { HistoryEntry } from '../store/history.ts';
import { policyLabel } from '../store/settings.ts';
import { exportMp4 } from '../video/mp4.ts';
import { stripPng } from '../video/strip.ts';
import { integerScale } from '../video/raster.ts';
import { useStudio } from './context.ts';
import { PlayControls, usePlayhead, VideoCanvas } from './VideoCanvas.tsx';

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function fileStem(e: HistoryEntry): string {
  const words = e.result.request.prompt.toLowerCase().match(/[a-z0-9]+/g)?.slice(0, 6).join('-') || 'video';
  return `${words}-seed${e.result.request.seed}-${e.result.request.policy.kind}`;
}

/** The finished video: playback, numbers, MP4 and PNG export. */
export function ResultPanel() {
  const current = useStudio((s) => s.current);
  const [playing, setPlaying] = useState(true);
  const [exportState, setExportState] = useState<{ busy: boolean; message: string; error?: boolean }>({ busy: false, message: '' });
  const video = current?.result.video ?? null;
  const [frame, setFrame] = usePlayhead(video?.frames ?? 0, video?.fps ?? 8, playing);
  if (!current || !video) return null;
  const r = current.result;

  const onMp4 = async () => {
    setExportState({ busy: true, message: 'Encoding…' });
    try {
      const out = await exportMp4(video);
      download(out.blob, `${fileStem(current)}.mp4`);
      setExportState({
        busy: false,
        message: `MP4 saved: ${out.codec.toUpperCase()} ${out.width}×${out.height}, ${out.frames} frames at ${out.fps} fps (${(out.blob.size / 1024).toFixed(0)} KB)`,
      });
    } catch (e) {
      setExportState({ busy: false, message: (e as Error).message, error: true });
    }
  };
  const onPng = async () => {
    setExportState({ busy: true, message: 'Drawing…' });
    try {
      const blob = await stripPng(video, { scale: integerScale(video.height, video.width, 128), gap: 4 });
      download(blob, `${fileStem(current)}-strip.png`);
      setExportState({ busy: false, message: `Frame strip saved (${video.frames} frames)` });
    } catch (e) {
      setExportState({ busy: false, message: (e as Error).message, error: true });
    }
  };

  return (
    <section className="panel result" aria-label="Result" data-testid="result">
      <header className="panel-head">
        <h2>Result</h2>
        <span className="muted">{policyLabel(r.request.policy)}</span>
      </header>
      <div className="result-body">
        <VideoCanvas video={video} frame={frame} label={`Generated video: ${r.request.prompt}`} testId="result-video" />
        <dl className="kv">
          <dt>prompt</dt>
          <dd>{r.request.prompt}</dd>
          <dt>seed</dt>
          <dd>{r.request.seed}</dd>
          <dt>steps</dt>
          <dd>
            {r.trace.recomputed_steps.length} computed / {r.request.steps}
          </dd>
          <dt>wall time</dt>
          <dd data-testid="result-wall">{(r.wallMs / 1000).toFixed(2)} s</dd>
          <dt>backend</dt>
          <dd>{r.backend}</dd>
          <dt>video</dt>
          <dd>
            {video.frames} frames · {video.width}×{video.height} · {video.fps} fps
          </dd>
        </dl>
      </div>
      <PlayControls frames={video.frames} frame={frame} playing={playing} setPlaying={setPlaying} setFrame={setFrame} label="result" />
      <div className="actions">
        <button type="button" onClick={() => void onMp4()} disabled={exportState.busy}>
          Export MP4
        </button>
        <button type="button" onClick={() => void onPng()} disabled={exportState.busy}>
          Frame strip PNG
        </button>
      </div>
      {exportState.message && (
        <p className={exportState.error ? 'warn' : 'muted'} role="status" data-testid="export-status">
          {exportState.message}
        </p>
      )}
    </section>
  );
}
