/** A small rasteriser of the trainer's shapes (training/dataset.py), for the evaluator's tests. */
import type { VideoFrames } from '../engine/api.ts';
import { shapeCoverage } from './shapes.ts';

const T = 16;
const S = 32;

export interface SyntheticObject {
  shape: string;
  rgb: [number, number, number];
  /** centre and half-size per frame */
  at: (t: number) => { x: number; y: number; r: number };
}

/** Antialiased by 4x4 supersampling; colours 0..255, output 0..1. */
export function render(bg: [number, number, number], objs: SyntheticObject[]): VideoFrames {
  const rgb = new Float32Array(T * S * S * 3);
  for (let t = 0; t < T; t++) {
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const px = bg.map((c) => c / 255);
        for (const o of objs) {
          const { x: cx, y: cy, r } = o.at(t);
          const cov = shapeCoverage(o.shape, x, y, cx, cy, r);
          for (let c = 0; c < 3; c++) px[c] = px[c]! * (1 - cov) + cov * (o.rgb[c]! / 255);
        }
        rgb.set(px, ((t * S + y) * S + x) * 3);
      }
    }
  }
  return { frames: T, height: S, width: S, fps: 8, rgb };
}

