import { useEffect, useRef, useState } from 'react';
import type { VideoFrames } from '../engine/api.ts';
import { frameToRgba } from '../video/raster.ts';

/** Draws one frame of a video, enlarged without smoothing. */
export function VideoCanvas({ video, frame, label, testId }: { video: VideoFrames | null; frame: number; label: string; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !video || video.frames === 0) return;
    canvas.width = video.width;
    canvas.height = video.height;
    const img = frameToRgba(video, Math.min(frame, video.frames - 1) % video.frames, 1);
    canvas.getContext('2d')?.putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
  }, [video, frame]);
  if (!video) {
    return (
      <div className="video-empty" role="img" aria-label={`${label}: nothing yet`} data-testid={testId}>
        <span>no preview yet</span>
      </div>
    );
  }
  return <canvas ref={ref} className="video-canvas" role="img" aria-label={label} data-testid={testId} data-frame={frame} />;
}

/** A looping frame counter at `fps`; several players can share one to stay in sync. */
export function usePlayhead(frames: number, fps: number, playing: boolean): [number, (f: number) => void] {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    if (!playing || frames < 2 || !(fps > 0)) return;
    const t = setInterval(() => setFrame((f) => (f + 1) % frames), 1000 / fps);
    return () => clearInterval(t);
  }, [frames, fps, playing]);
  return [frames > 0 ? frame % frames : 0, setFrame];
}

/** Play/pause and a frame slider for a playhead. */
export function PlayControls(props: {
  frames: number;
  frame: number;
  playing: boolean;
  setPlaying: (p: boolean) => void;
  setFrame: (f: number) => void;
  label: string;
}) {
  const { frames, frame, playing, setPlaying, setFrame, label } = props;
  return (
    <div className="play-controls">
      <button type="button" onClick={() => setPlaying(!playing)} aria-label={`${playing ? 'Pause' : 'Play'} ${label}`} disabled={frames < 2}>
        {playing ? '❚❚' : '▶'}
      </button>
      <input
        type="range"
        min={0}
        max={Math.max(0, frames - 1)}
        value={frame}
        onChange={(e) => {
          setPlaying(false);
          setFrame(Number(e.target.value));
        }}
        aria-label={`Frame of ${label}`}
      />
      <span className="mono">
        {frames ? frame + 1 : 0}/{frames}
      </span>
    </div>
  );
}
