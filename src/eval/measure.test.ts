import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { VideoFrames } from '../engine/api.ts';
import { GrammarError, parseGrammar, parsePrompt } from './grammar.ts';
import { MeasureError, measureObjects } from './measure.ts';
import { aggregate, scoreVideo } from './score.ts';

const g = parseGrammar(JSON.parse(fs.readFileSync('training/grammar.json', 'utf8')));
const T = 16;
const S = 32;

interface Obj {
  shape: string;
  rgb: [number, number, number];
  /** centre and half-size per frame */
  at: (t: number) => { x: number; y: number; r: number };
}

/** A small rasteriser of the trainer's shapes (antialiased by 4x4 supersampling). */
function render(bg: [number, number, number], objs: Obj[]): VideoFrames {
  const rgb = new Float32Array(T * S * S * 3);
  for (let t = 0; t < T; t++) {
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const px = bg.map((c) => c / 255);
        for (const o of objs) {
          const { x: cx, y: cy, r } = o.at(t);
          let cov = 0;
          for (let sy = 0; sy < 4; sy++) {
            for (let sx = 0; sx < 4; sx++) {
              const dx = x + (sx + 0.5) / 4 - cx;
              const dy = y + (sy + 0.5) / 4 - cy;
              let inside: boolean;
              if (o.shape === 'circle') inside = dx * dx + dy * dy <= r * r;
              else if (o.shape === 'square') inside = Math.max(Math.abs(dx), Math.abs(dy)) <= 0.9 * r;
              else {
                const R = 1.3 * r;
                inside = dy <= R / 2 && (Math.sqrt(3) / 2) * dx - dy / 2 <= R / 2 && -(Math.sqrt(3) / 2) * dx - dy / 2 <= R / 2;
              }
              if (inside) cov += 1 / 16;
            }
          }
          for (let c = 0; c < 3; c++) px[c] = px[c]! * (1 - cov) + cov * (o.rgb[c]! / 255);
        }
        rgb.set(px, ((t * S + y) * S + x) * 3);
      }
    }
  }
  return { frames: T, height: S, width: S, fps: 8, rgb };
}

const still = (x: number, y: number, r = 5) => () => ({ x, y, r });
const moving = (x0: number, y0: number, vx: number, vy: number, r = 5) => (t: number) => ({ x: x0 + vx * t, y: y0 + vy * t, r });

describe('measure', () => {
  it('finds the background and the object colour', () => {
    const v = render([0, 0, 100], [{ shape: 'circle', rgb: [255, 230, 0], at: still(16, 16) }]);
    const { video, objects } = measureObjects(g, v, 1);
    expect(video.background).toBe('navy');
    expect(video.colors[0]!.color).toBe('yellow');
    expect(objects[0]!.motion).toBe('static');
    expect(objects[0]!.speed).toBeNull();
  });

  it.each([
    ['circle', 4.5],
    ['square', 4.5],
    ['triangle', 5],
    ['circle', 5.5],
  ])('tells a %s (half-size %f) by its fill ratio', (shape, r) => {
    const v = render([128, 128, 128], [{ shape, rgb: [255, 0, 0], at: still(15.3, 16.7, r) }]);
    expect(measureObjects(g, v, 1).objects[0]!.shape).toBe(shape);
  });

  it.each([
    ['left', -1, 0],
    ['right', 1, 0],
    ['up', 0, -1],
    ['down', 0, 1],
    ['up-left', -0.7071, -0.7071],
    ['down-right', 0.7071, 0.7071],
  ])('reads direction %s and speed class', (dir, dx, dy) => {
    for (const [speed, v] of [['slow', 0.5], ['fast', 1.2]] as const) {
      const x0 = 16 - dx * v * 7.5;
      const y0 = 16 - dy * v * 7.5;
      const vid = render([0, 0, 0], [{ shape: 'square', rgb: [0, 200, 0], at: moving(x0, y0, dx * v, dy * v) }]);
      const o = measureObjects(g, vid, 1).objects[0]!;
      expect([o.motion, o.speed]).toEqual([dir, speed]);
    }
  });

  it('reads bouncing, growing and shrinking', () => {
    const bounce = render([255, 255, 255], [
      { shape: 'circle', rgb: [40, 80, 255], at: (t) => ({ x: 16, y: 24 - 11 * Math.abs(Math.sin((2 * Math.PI * t) / 15)), r: 5 }) },
    ]);
    const b = measureObjects(g, bounce, 1).objects[0]!;
    expect([b.motion, b.speed]).toEqual(['bouncing', 'fast']);
    const grow = render([0, 0, 0], [{ shape: 'circle', rgb: [0, 230, 230], at: (t) => ({ x: 16, y: 16, r: 3.5 + (2.5 * t) / 15 }) }]);
    const gr = measureObjects(g, grow, 1).objects[0]!;
    expect([gr.motion, gr.speed]).toEqual(['growing', 'slow']);
    const shrink = render([0, 0, 0], [{ shape: 'square', rgb: [230, 0, 230], at: (t) => ({ x: 16, y: 16, r: 8 - (5.5 * t) / 15 }) }]);
    const sh = measureObjects(g, shrink, 1).objects[0]!;
    expect([sh.motion, sh.speed]).toEqual(['shrinking', 'fast']);
  });

  it('pairs two objects with the asked colours', () => {
    const v = render([0, 0, 0], [
      { shape: 'circle', rgb: [255, 0, 0], at: moving(8, 8, 1.2, 0) },
      { shape: 'square', rgb: [255, 255, 255], at: still(16, 24) },
    ]);
    const { objects } = measureObjects(g, v, 2, ['white', 'red']);
    expect(objects.map((o) => [o!.color, o!.shape, o!.motion])).toEqual([
      ['white', 'square', 'static'],
      ['red', 'circle', 'right'],
    ]);
  });

  it('scores a video against its prompt and aggregates', () => {
    const spec = parsePrompt(g, 'a red circle moving right quickly on a gray background');
    const good = render([128, 128, 128], [{ shape: 'circle', rgb: [255, 0, 0], at: moving(6, 16, 1.2, 0) }]);
    const bad = render([0, 0, 0], [{ shape: 'square', rgb: [0, 200, 0], at: still(16, 16) }]);
    const a = scoreVideo(g, spec, 0, good);
    const b = scoreVideo(g, spec, 1, bad);
    expect(a.correct).toEqual({ color: true, background: true, shape: true, motion: true, speed: true });
    expect(b.correct).toEqual({ color: false, background: false, shape: false, motion: false, speed: null });
    const acc = aggregate([a, b]);
    expect([acc.color, acc.background, acc.shape, acc.motion, acc.speed]).toEqual([0.5, 0.5, 0.5, 0.5, 1]);
  });

  it('rejects malformed videos', () => {
    expect(() => measureObjects(g, { frames: 2, height: 4, width: 4, fps: 8, rgb: new Float32Array(5) }, 1)).toThrow(MeasureError);
  });
});

describe('grammar', () => {
  it('parses one- and two-object prompts', () => {
    expect(parsePrompt(g, 'a red circle moving left quickly on a black background')).toEqual({
      prompt: 'a red circle moving left quickly on a black background',
      objects: [{ color: 'red', shape: 'circle', motion: 'left', speed: 'fast' }],
      background: 'black',
    });
    const two = parsePrompt(g, 'a blue square standing still and a cyan triangle bouncing slowly on a navy background');
    expect(two.objects.map((o) => o.motion)).toEqual(['static', 'bouncing']);
  });

  it('names what is wrong with a prompt outside the grammar', () => {
    expect(() => parsePrompt(g, 'a purple circle moving left quickly on a black background')).toThrow(/unknown colour "purple"/);
    expect(() => parsePrompt(g, 'a red circle moving left on a black background')).toThrow(GrammarError);
    expect(() => parsePrompt(g, 'hello')).toThrow(GrammarError);
  });
});
