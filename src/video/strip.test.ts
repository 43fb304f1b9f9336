import { describe, expect, it } from 'vitest';
import type { VideoFrames } from '../engine/api.ts';
import { FrameIndexError, frameToRgba, integerScale } from './raster.ts';
import { composeStrip } from './strip.ts';

/** frames x 2 x 3 video where pixel (f, y, x) has red = f/10, green = y/10, blue = x/10. */
function ramp(frames: number): VideoFrames {
  const h = 2, w = 3;
  const rgb = new Float32Array(frames * h * w * 3);
  for (let f = 0; f < frames; f++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) rgb.set([f / 10, y / 10, x / 10], ((f * h + y) * w + x) * 3);
  return { frames, height: h, width: w, fps: 8, rgb };
}

describe('raster', () => {
  it('replicates each pixel into a scale x scale block', () => {
    const img = frameToRgba(ramp(2), 1, 2);
    expect([img.width, img.height]).toEqual([6, 4]);
    const px = (x: number, y: number) => Array.from(img.data.subarray((y * 6 + x) * 4, (y * 6 + x) * 4 + 4));
    expect(px(0, 0)).toEqual([26, 0, 0, 255]);
    expect(px(5, 3)).toEqual([26, 26, 51, 255]);
    expect(px(4, 2)).toEqual(px(5, 3));
  });

  it('clamps out-of-range values and rejects bad frame indices', () => {
    const v: VideoFrames = { frames: 1, height: 1, width: 1, fps: 8, rgb: new Float32Array([-0.5, 2, 0.5]) };
    expect(Array.from(frameToRgba(v, 0).data)).toEqual([0, 255, 128, 255]);
    expect(() => frameToRgba(v, 1)).toThrow(FrameIndexError);
  });

  it('picks an even-sized whole-number scale', () => {
    expect(integerScale(8, 8, 256)).toBe(32);
    expect(integerScale(15, 20, 256)).toBe(12);
    expect(integerScale(15, 15, 30)).toBe(2);
    expect(integerScale(600, 600, 256)).toBe(1);
  });
});

describe('composeStrip', () => {
  it('places frames left to right with a gap', () => {
    const strip = composeStrip(ramp(3), { scale: 1, gap: 2 });
    expect([strip.width, strip.height]).toEqual([3 * 3 + 2 * 2, 2]);
    const px = (x: number, y: number) => Array.from(strip.data.subarray((y * strip.width + x) * 4, (y * strip.width + x) * 4 + 3));
    expect(px(0, 0)).toEqual([0, 0, 0]);
    expect(px(3, 0)).toEqual([18, 20, 26]);
    expect(px(5, 1)).toEqual([26, 26, 0]);
    expect(px(12, 1)).toEqual([51, 26, 51]);
  });
});
