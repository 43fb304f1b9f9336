/**
 * AdaCache codebooks: ascending distance thresholds, each with a cache rate (steps until the
 * next compute). The built-in ones are the official code's (configs/sample_adacache.py).
 */
import type { Codebook } from '../model/manifest.ts';
import { PolicyError } from './policy.ts';

export const BUILTIN_CODEBOOKS: Readonly<Record<'fast' | 'slow' | '100', Codebook>> = {
  /** 30 steps, fast. */
  fast: [[0.08, 6], [0.16, 5], [0.24, 4], [0.32, 3], [0.4, 2], [1.0, 1]],
  /** 30 steps, slow. */
  slow: [[0.08, 3], [0.16, 2], [0.24, 1], [0.32, 1], [0.4, 1], [1.0, 1]],
  /** 100 steps (the official default). */
  '100': [[0.03, 12], [0.05, 10], [0.07, 8], [0.09, 6], [0.11, 4], [1.0, 3]],
};

export class CodebookError extends PolicyError {
  override name = 'CodebookError';
}

/** "t1:r1,t2:r2,..." -> codebook; thresholds must ascend, rates are positive integers. */
export function parseCodebookText(text: string): Codebook {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new CodebookError(`codebook "${text}" is empty; write "threshold:rate,..."`);
  const cb: Codebook = parts.map((p) => {
    const m = /^([0-9]*\.?[0-9]+(?:e-?[0-9]+)?):([0-9]+)$/i.exec(p);
    if (!m) throw new CodebookError(`codebook entry "${p}" must be threshold:rate, e.g. 0.08:6`);
    const rate = Number(m[2]);
    if (!(rate >= 1)) throw new CodebookError(`codebook entry "${p}": the rate must be an integer >= 1`);
    return [Number(m[1]), rate];
  });
  for (let i = 1; i < cb.length; i++) {
    if (!(cb[i]![0] > cb[i - 1]![0])) throw new CodebookError(`codebook "${text}": thresholds must be strictly ascending`);
  }
  return cb;
}

/**
 * A codebook by name: a built-in ('fast', 'slow', '100'), one saved in the package, or inline text
 * (anything containing ':').
 */
export function resolveCodebook(name: string, saved: Readonly<Record<string, Codebook>> = {}): Codebook {
  if (name in BUILTIN_CODEBOOKS) return BUILTIN_CODEBOOKS[name as keyof typeof BUILTIN_CODEBOOKS];
  if (Object.hasOwn(saved, name)) return saved[name]!;
  if (name.includes(':')) return parseCodebookText(name);
  const known = [...Object.keys(BUILTIN_CODEBOOKS), ...Object.keys(saved)].join(', ');
  throw new CodebookError(`unknown codebook "${name}" (known: ${known}; or write "threshold:rate,...")`);
}

/** The rate of the first threshold `c` is below; the last entry's rate when none is. */
export function lookupRate(cb: Codebook, c: number): number {
  for (const [threshold, rate] of cb) if (c < threshold) return rate;
  return cb[cb.length - 1]![1];
}

export function formatCodebook(cb: Codebook): string {
  return cb.map(([t, r]) => `${t}:${r}`).join(',');
}
