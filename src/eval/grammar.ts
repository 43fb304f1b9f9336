/**
 * The caption grammar (training/grammar.json), read by the trainer and by this evaluator.
 * Parses grammar prompts back into what they ask for and gives the nominal speeds the
 * measurements are classified against.
 */

export type RGB = [number, number, number];

export interface MotionDef {
  phrase: string;
  kind: 'none' | 'translate' | 'bounce' | 'scale';
  dir?: [number, number];
  sign?: number;
}

export interface SpeedDef {
  word: string;
  translate: number;
  bounce: { bounces: number; height: number };
}

export interface Grammar {
  version: number;
  video: { frames: number; height: number; width: number; fps: number };
  shapes: string[];
  colors: Record<string, RGB>;
  backgrounds: Record<string, RGB>;
  motions: Record<string, MotionDef>;
  speeds: Record<string, SpeedDef>;
  render: { halfSize: [number, number]; scaleRange: Record<string, [number, number]>; twoObjectProb: number };
  templates: Record<string, string>;
  tokenizer: { maxLength: number; pad: string; unk: string };
  heldout: ObjectSpec[];
}

export interface ObjectSpec {
  color: string;
  shape: string;
  motion: string;
  speed: string | null;
}

export interface PromptSpec {
  prompt: string;
  objects: ObjectSpec[];
  background: string;
}

export class GrammarError extends Error {
  override name = 'GrammarError';
}

export function parseGrammar(json: unknown): Grammar {
  const g = json as Partial<Grammar>;
  if (!g || typeof g !== 'object' || !g.colors || !g.backgrounds || !g.motions || !g.speeds || !g.shapes || !g.video) {
    throw new GrammarError('not a grammar file: needs video, shapes, colors, backgrounds, motions, speeds');
  }
  for (const [name, m] of Object.entries(g.motions)) {
    if (!['none', 'translate', 'bounce', 'scale'].includes(m.kind)) {
      throw new GrammarError(`motion ${name}: unknown kind ${String(m.kind)}`);
    }
  }
  return g as Grammar;
}

/** Inverse of the trainer's caption(): "a red circle moving left quickly on a black background". */
export function parsePrompt(g: Grammar, prompt: string): PromptSpec {
  const words = prompt.trim().toLowerCase().split(/\s+/);
  const fail = (why: string): never => {
    throw new GrammarError(`not a grammar prompt (${why}): "${prompt}"`);
  };
  if (words.length < 7 || words.at(-1) !== 'background' || words.at(-3) !== 'a' || words.at(-4) !== 'on') {
    fail('expected "... on a <colour> background"');
  }
  const background = words.at(-2)!;
  if (!(background in g.backgrounds)) fail(`unknown background "${background}"`);
  const body = words.slice(0, -4).join(' ');
  if (!body.startsWith('a ')) fail('expected it to start with "a"');
  const objects = body
    .slice(2)
    .split(' and a ')
    .map((part) => {
      const w = part.split(' ');
      const [color, shape] = [w[0]!, w[1]!];
      const rest = w.slice(2).join(' ');
      if (!(color in g.colors)) fail(`unknown colour "${color}"`);
      if (!g.shapes.includes(shape)) fail(`unknown shape "${shape}"`);
      for (const [name, m] of Object.entries(g.motions)) {
        if (m.kind === 'none' && rest === m.phrase) return { color, shape, motion: name, speed: null };
        for (const [sp, sd] of Object.entries(g.speeds)) {
          if (m.kind !== 'none' && rest === `${m.phrase} ${sd.word}`) return { color, shape, motion: name, speed: sp };
        }
      }
      return fail(`unknown motion "${rest}"`);
    });
  if (objects.length > 2) fail('at most two objects');
  return { prompt, objects, background };
}

/** Nominal measured speed of a motion at a speed class (px/frame; see measure.ts for what is measured). */
export function nominalSpeed(g: Grammar, kind: MotionDef['kind'], speed: string): number {
  const sd = g.speeds[speed];
  if (!sd) throw new GrammarError(`unknown speed ${speed}`);
  const T = g.video.frames;
  switch (kind) {
    case 'translate':
      return sd.translate;
    case 'bounce':
      // |sin| over `bounces` humps: total vertical path 2 * bounces * height
      return (2 * sd.bounce.bounces * sd.bounce.height) / (T - 1);
    case 'scale': {
      const [a, b] = g.render.scaleRange[speed]!;
      return Math.abs(b - a) / (T - 1);
    }
    default:
      return 0;
  }
}
