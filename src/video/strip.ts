/** A frame strip: every frame of a video side by side in one PNG, for sharing a glance at a result. */
import type { VideoFrames } from '../engine/api.ts';
import { frameToRgba, type RgbaImage } from './raster.ts';

export interface StripOptions {
  /** Whole-pixel enlargement of each frame. */
  scale: number;
  /** Pixels between frames (dark background). */
  gap: number;
}

const BACKGROUND = [18, 20, 26];

/** Lays every frame out left to right with `gap` pixels between them. */
export function composeStrip(video: VideoFrames, { scale, gap }: StripOptions): RgbaImage {
  if (video.frames < 1) throw new RangeError('a frame strip needs at least one frame');
  const fw = video.width * scale;
  const fh = video.height * scale;
  const width = video.frames * fw + (video.frames - 1) * gap;
  const data = new Uint8ClampedArray(width * fh * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = BACKGROUND[0]!;
    data[i + 1] = BACKGROUND[1]!;
    data[i + 2] = BACKGROUND[2]!;
    data[i + 3] = 255;
  }
  for (let f = 0; f < video.frames; f++) {
    const img = frameToRgba(video, f, scale);
    const x0 = f * (fw + gap);
    for (let y = 0; y < fh; y++) {
      data.set(img.data.subarray(y * fw * 4, (y + 1) * fw * 4), (y * width + x0) * 4);
    }
  }
  return { width, height: fh, data };
}

/** Encodes the strip as PNG through an OffscreenCanvas (browser only). */
export async function stripPng(video: VideoFrames, options: StripOptions): Promise<Blob> {
  const img = composeStrip(video, options);
  const canvas = new OffscreenCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser cannot draw on an OffscreenCanvas');
  ctx.putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}
