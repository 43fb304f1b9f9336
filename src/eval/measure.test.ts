import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GrammarError, parseGrammar, parsePrompt } from './grammar.ts';
import { MeasureError, measureObjects } from './measure.ts';
import { aggregate, scoreVideo } from './score.ts';
import { render } from './synthetic.ts';

const g = parseGrammar(JSON.parse(fs.readFileSync('training/grammar.json', 'utf8')));
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
  ])('tells a %s (half-size %f) by the renderer shape that fits it best', (shape, r) => {
    const v = render([128, 128, 128], [{ shape, rgb: [255, 0, 0], at: still(15.3, 16.7, r) }]);
    expect(measureObjects(g, v, 1).objects[0]!.shape).toBe(shape);
  });

  it('tells every shape at the sizes, positions and motions the grammar draws', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const wrong: string[] = [];
    for (const shape of g.shapes) {
      for (let i = 0; i < 12; i++) {
        const r = 3.5 + 4.5 * rand();
        const [x, y] = [12 + 8 * rand(), 12 + 8 * rand()];
        const [vx, vy] = i % 2 ? [2.4 * (rand() - 0.5), 2.4 * (rand() - 0.5)] : [0, 0];
        const v = render([0, 0, 100], [{ shape, rgb: [0, 200, 0], at: (t) => ({ x: x + vx * (t - 7.5), y: y + vy * (t - 7.5), r }) }]);
        const got = measureObjects(g, v, 1).objects[0]!.shape;
        if (got !== shape) wrong.push(`${shape} r=${r.toFixed(2)} -> ${got}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps a square a square despite a two-pixel bump on its edge and a stray speck', () => {
    const v = render([0, 0, 0], [{ shape: 'square', rgb: [255, 255, 255], at: still(16, 16, 4.5) }]);
    const set = (t: number, x: number, y: number) => v.rgb.fill(1, ((t * 32 + y) * 32 + x) * 3, ((t * 32 + y) * 32 + x) * 3 + 3);
    for (let t = 0; t < 16; t++) {
      set(t, 10, 17);
      set(t, 10, 18);
      set(t, 28, 3);
    }
    const o = measureObjects(g, v, 1).objects[0]!;
    // the bounding-box fill this evaluator used before stop 32 reads this as a circle
    expect(o.fill!).toBeLessThan(0.9);
    expect(o.shape).toBe('square');
    expect(o.shapeIoU!.square!).toBeGreaterThan(o.shapeIoU!.circle!);
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

  it('names a grammar shape it cannot draw', () => {
    const v = render([0, 0, 0], [{ shape: 'circle', rgb: [255, 0, 0], at: still(16, 16) }]);
    expect(() => measureObjects({ ...g, shapes: [...g.shapes, 'hexagon'] }, v, 1)).toThrow(/cannot draw shape\(s\) hexagon/);
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
