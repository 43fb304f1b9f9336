import { describe, expect, it } from 'vitest';
import type { VideoFrames } from '../engine/api.ts';
import { psnr, ssim, VideoShapeMismatchError } from './metrics.ts';

function video(frames: number, height: number, width: number, f: (i: number) => number): VideoFrames {
  const rgb = new Float32Array(frames * height * width * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = f(i);
  return { frames, height, width, fps: 8, rgb };
}

/** Deterministic pseudo-random values in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('psnr', () => {
  it('is infinite for identical videos', () => {
    const a = video(2, 8, 8, (i) => (i % 7) / 7);
    expect(psnr(a, a)).toBe(Infinity);
  });

  it('matches 10 log10(1 / mse) for a constant offset', () => {
    const a = video(2, 4, 4, () => 0.5);
    const b = video(2, 4, 4, () => 0.6);
    // mse = 0.01 -> 20 dB (float32 rounding of 0.6 costs a little)
    expect(psnr(a, b)).toBeCloseTo(20, 4);
  });

  it('clamps values outside [0, 1] before comparing', () => {
    const a = video(1, 4, 4, () => 1.7);
    const b = video(1, 4, 4, () => 1);
    expect(psnr(a, b)).toBe(Infinity);
  });

  it('rejects videos of different shapes', () => {
    expect(() => psnr(video(1, 4, 4, () => 0), video(2, 4, 4, () => 0))).toThrow(VideoShapeMismatchError);
    const bad = { frames: 1, height: 4, width: 4, fps: 8, rgb: new Float32Array(5) };
    expect(() => psnr(bad, bad)).toThrow(/expected 48/);
  });
});

describe('ssim', () => {
  it('is 1 for identical videos', () => {
    const r = lcg(1);
    const a = video(2, 16, 16, () => r());
    expect(ssim(a, a)).toBeCloseTo(1, 10);
  });

  it('matches the closed form for two flat images', () => {
    const a = video(1, 12, 12, () => 0.5);
    const b = video(1, 12, 12, () => 0.25);
    const c1 = 0.01 ** 2;
    // variances and covariance are zero: ssim = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1)
    expect(ssim(a, b)).toBeCloseTo((2 * 0.5 * 0.25 + c1) / (0.25 + 0.0625 + c1), 6);
  });

  it('matches the weighted global formula when the window covers the whole frame', () => {
    // An 11 x 11 frame gives exactly one window position per channel.
    const r = lcg(7);
    const h = 11;
    const a = video(1, h, h, () => r());
    const b = video(1, h, h, () => r());
    const g: number[] = [];
    for (let i = 0; i < h; i++) g.push(Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
    const gs = g.reduce((s, v) => s + v, 0);
    let expected = 0;
    for (let ch = 0; ch < 3; ch++) {
      let mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < h; x++) {
          const w = (g[y]! * g[x]!) / (gs * gs);
          const u = a.rgb[(y * h + x) * 3 + ch]!;
          const v = b.rgb[(y * h + x) * 3 + ch]!;
          mx += w * u; my += w * v; sxx += w * u * u; syy += w * v * v; sxy += w * u * v;
        }
      }
      const c1 = 1e-4, c2 = 9e-4;
      const vx = sxx - mx * mx, vy = syy - my * my, cov = sxy - mx * my;
      expected += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2)) / 3;
    }
    expect(ssim(a, b)).toBeCloseTo(expected, 8);
  });

  it('falls as noise grows and is symmetric', () => {
    const r = lcg(3);
    const base = video(2, 24, 24, (i) => 0.5 + 0.4 * Math.sin(i / 9));
    const noise = Array.from(base.rgb, () => r() - 0.5);
    const noisy = (amp: number) => video(2, 24, 24, (i) => base.rgb[i]! + amp * noise[i]!);
    const s1 = ssim(noisy(0.05), base);
    const s2 = ssim(noisy(0.2), base);
    expect(s1).toBeLessThan(1);
    expect(s2).toBeLessThan(s1);
    expect(ssim(base, noisy(0.2))).toBeCloseTo(s2, 10);
  });

  it('scores frames smaller than the window', () => {
    const r = lcg(5);
    const a = video(1, 4, 6, () => r());
    expect(ssim(a, a)).toBeCloseTo(1, 10);
    expect(Number.isFinite(ssim(a, video(1, 4, 6, () => r())))).toBe(true);
  });
});
