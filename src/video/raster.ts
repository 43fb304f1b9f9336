/**
 * Float RGB video frames to 8-bit RGBA pixels, enlarged by whole-pixel replication so small model
 * outputs stay sharp (no smoothing) in exports and on canvases.
 */
import type { VideoFrames } from '../engine/api.ts';

export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA, row-major, 4 bytes a pixel. */
  data: Uint8ClampedArray<ArrayBuffer>;
}

export class FrameIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameIndexError';
  }
}

/**
 * The whole-number enlargement that brings the longer side to about `target` pixels, bumped so both
 * sides come out even (H.264 and VP9 encoders want even sizes).
 */
export function integerScale(height: number, width: number, target: number): number {
  let s = Math.max(1, Math.floor(target / Math.max(height, width)));
  if ((height * s) % 2 !== 0 || (width * s) % 2 !== 0) s += 1;
  return s;
}

/** One frame as RGBA, each source pixel a `scale` x `scale` block. */
export function frameToRgba(video: VideoFrames, frame: number, scale = 1): RgbaImage {
  if (!Number.isInteger(frame) || frame < 0 || frame >= video.frames) {
    throw new FrameIndexError(`frame ${frame} is outside 0..${video.frames - 1}`);
  }
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`scale must be a positive integer, got ${scale}`);
  const { height: h, width: w } = video;
  const W = w * scale;
  const H = h * scale;
  const data = new Uint8ClampedArray(W * H * 4);
  const base = frame * h * w * 3;
  for (let y = 0; y < H; y++) {
    const sy = Math.floor(y / scale);
    for (let x = 0; x < W; x++) {
      const src = base + (sy * w + Math.floor(x / scale)) * 3;
      const dst = (y * W + x) * 4;
      // Uint8ClampedArray clamps and rounds
      data[dst] = video.rgb[src]! * 255;
      data[dst + 1] = video.rgb[src + 1]! * 255;
      data[dst + 2] = video.rgb[src + 2]! * 255;
      data[dst + 3] = 255;
    }
  }
  return { width: W, height: H, data };
}
