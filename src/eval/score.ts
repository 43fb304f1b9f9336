/**
 * Scores measured videos against the prompts that asked for them and aggregates accuracies.
 */
import type { VideoFrames } from '../engine/api.ts';
import type { Grammar, PromptSpec } from './grammar.ts';
import { type ObjectMeasurement, measureObjects } from './measure.ts';

export interface ItemScore {
  prompt: string;
  seed: number;
  expected: PromptSpec;
  measured: { background: string; colors: string[]; objects: (Omit<ObjectMeasurement, 'track'> | null)[] };
  correct: { color: boolean; background: boolean; shape: boolean; motion: boolean; speed: boolean | null };
}

export function scoreVideo(g: Grammar, spec: PromptSpec, seed: number, video: VideoFrames): ItemScore {
  const n = spec.objects.length;
  // one object: measure the dominant colour, so the prompt never steers the measurement;
  // two objects: follow each asked colour to pair objects with what was asked of them
  const { video: vm, objects } = measureObjects(g, video, n, n > 1 ? spec.objects.map((o) => o.color) : []);
  const present = vm.colors.slice(0, n).map((c) => c.color);
  const color = spec.objects.every((o) => present.includes(o.color)) && present.length === n;
  const shape = spec.objects.every((o, i) => objects[i]?.shape === o.shape);
  const motion = spec.objects.every((o, i) => objects[i]?.motion === o.motion);
  const moving = spec.objects.filter((o) => o.speed !== null);
  // speed class is judged where the motion itself was right and has a speed
  const speedJudged = spec.objects.map((o, i) => o.speed !== null && objects[i]?.motion === o.motion);
  const speed = speedJudged.some(Boolean)
    ? spec.objects.every((o, i) => !speedJudged[i] || objects[i]?.speed === o.speed)
    : null;
  return {
    prompt: spec.prompt,
    seed,
    expected: spec,
    measured: {
      background: vm.background,
      colors: vm.colors.map((c) => c.color),
      objects: objects.map((o) => {
        if (!o) return null;
        const { track: _track, ...rest } = o;
        return rest;
      }),
    },
    correct: { color, background: vm.background === spec.background, shape, motion, speed: moving.length ? speed : null },
  };
}

export interface Accuracies {
  count: number;
  color: number;
  background: number;
  shape: number;
  motion: number;
  /** Over items with a moving object whose motion was measured right. */
  speed: number | null;
  speedCount: number;
}

export function aggregate(items: readonly ItemScore[]): Accuracies {
  const frac = (k: 'color' | 'background' | 'shape' | 'motion') =>
    items.length ? items.filter((i) => i.correct[k]).length / items.length : 0;
  const sp = items.filter((i) => i.correct.speed !== null);
  return {
    count: items.length,
    color: frac('color'),
    background: frac('background'),
    shape: frac('shape'),
    motion: frac('motion'),
    speed: sp.length ? sp.filter((i) => i.correct.speed).length / sp.length : null,
    speedCount: sp.length,
  };
}

/** Mean absolute pixel difference between two videos (0..1), for seed diversity. */
export function meanAbsDiff(a: VideoFrames, b: VideoFrames): number {
  if (a.rgb.length !== b.rgb.length) throw new Error('videos differ in size');
  let s = 0;
  for (let i = 0; i < a.rgb.length; i++) s += Math.abs(a.rgb[i]! - b.rgb[i]!);
  return s / a.rgb.length;
}
