/**
 * Video quality against a reference: PSNR and SSIM over float RGB in [0, 1] (peak 1).
 * Used by the compare view to score a cached run against the uncached baseline.
 */
import type { VideoFrames } from '../engine/api.ts';

export class VideoShapeMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VideoShapeMismatchError';
  }
}

function checkPair(a: VideoFrames, b: VideoFrames): void {
  for (const v of [a, b]) {
    const expected = v.frames * v.height * v.width * 3;
    if (v.rgb.length !== expected) {
      throw new VideoShapeMismatchError(
        `video data has ${v.rgb.length} values, expected ${expected} for ${v.frames}x${v.height}x${v.width}x3`,
      );
    }
  }
  if (a.frames !== b.frames || a.height !== b.height || a.width !== b.width) {
    throw new VideoShapeMismatchError(
      `cannot compare a ${a.frames}x${a.height}x${a.width} video with a ${b.frames}x${b.height}x${b.width} one`,
    );
  }
}

/** Peak signal-to-noise ratio in dB over every value of the video; Infinity when identical. */
export function psnr(a: VideoFrames, reference: VideoFrames): number {
  checkPair(a, reference);
  let sq = 0;
  for (let i = 0; i < a.rgb.length; i++) {
    const d = clamp01(a.rgb[i]!) - clamp01(reference.rgb[i]!);
    sq += d * d;
  }
  const mse = sq / a.rgb.length;
  return mse === 0 ? Infinity : 10 * Math.log10(1 / mse);
}

const K1 = 0.01;
const K2 = 0.03;
const SIGMA = 1.5;
const WINDOW = 11;

/** Normalised 1D Gaussian of odd length n. */
function gaussian(n: number, sigma: number): Float64Array {
  const w = new Float64Array(n);
  const c = (n - 1) / 2;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    w[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
    sum += w[i]!;
  }
  for (let i = 0; i < n; i++) w[i]! /= sum;
  return w;
}

/** Separable 'valid' filtering of an h x w plane: output (h-n+1) x (w-n+1). */
function filterValid(src: Float64Array, h: number, w: number, k: Float64Array): Float64Array {
  const n = k.length;
  const ow = w - n + 1;
  const oh = h - n + 1;
  const rows = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i]! * src[y * w + x + i]!;
      rows[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i]! * rows[(y + i) * ow + x]!;
      out[y * ow + x] = s;
    }
  }
  return out;
}

/**
 * Structural similarity (Wang et al. 2004): Gaussian window 11, sigma 1.5, K1 0.01, K2 0.03,
 * computed per frame and channel over the valid region and averaged. Frames smaller than the
 * window use the largest odd window that fits, so tiny previews still get a score.
 */
export function ssim(a: VideoFrames, reference: VideoFrames): number {
  checkPair(a, reference);
  const { frames, height: h, width: w } = a;
  let n = Math.min(WINDOW, h, w);
  if (n % 2 === 0) n -= 1;
  const k = gaussian(n, SIGMA);
  const c1 = K1 * K1;
  const c2 = K2 * K2;
  const plane = h * w;
  const x = new Float64Array(plane);
  const y = new Float64Array(plane);
  const xx = new Float64Array(plane);
  const yy = new Float64Array(plane);
  const xy = new Float64Array(plane);
  let total = 0;
  let count = 0;
  for (let f = 0; f < frames; f++) {
    for (let ch = 0; ch < 3; ch++) {
      for (let p = 0; p < plane; p++) {
        const idx = (f * plane + p) * 3 + ch;
        const u = clamp01(a.rgb[idx]!);
        const v = clamp01(reference.rgb[idx]!);
        x[p] = u;
        y[p] = v;
        xx[p] = u * u;
        yy[p] = v * v;
        xy[p] = u * v;
      }
      const mx = filterValid(x, h, w, k);
      const my = filterValid(y, h, w, k);
      const sxx = filterValid(xx, h, w, k);
      const syy = filterValid(yy, h, w, k);
      const sxy = filterValid(xy, h, w, k);
      for (let i = 0; i < mx.length; i++) {
        const ux = mx[i]!;
        const uy = my[i]!;
        const vx = sxx[i]! - ux * ux;
        const vy = syy[i]! - uy * uy;
        const cov = sxy[i]! - ux * uy;
        total += ((2 * ux * uy + c1) * (2 * cov + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
        count++;
      }
    }
  }
  return total / count;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
