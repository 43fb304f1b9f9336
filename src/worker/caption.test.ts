import { describe, expect, it } from 'vitest';
import { captionFromPrompt } from './caption.ts';

describe('captionFromPrompt', () => {
  it('is deterministic, ignores case and spacing, and differs between prompts', () => {
    const a = captionFromPrompt('A red  circle', 8, 32);
    expect(captionFromPrompt('a red circle', 8, 32).y).toEqual(a.y);
    expect(captionFromPrompt('a blue circle', 8, 32).y).not.toEqual(a.y);
    expect(a.dims).toEqual([1, 1, 8, 32]);
  });

  it('marks one token per word, zero beyond, with unit-scale values', () => {
    const c = captionFromPrompt('one two three', 8, 64);
    expect(c.tokens).toBe(3);
    expect(c.y.subarray(3 * 64).every((v) => v === 0)).toBe(true);
    const v = c.y.subarray(0, 3 * 64);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean)).toBeLessThan(0.25);
    expect(sd).toBeGreaterThan(0.75);
    expect(sd).toBeLessThan(1.25);
    expect(captionFromPrompt('w '.repeat(20), 8, 4).tokens).toBe(8);
  });

  it('rejects bad sizes', () => {
    expect(() => captionFromPrompt('x', 0, 4)).toThrow(RangeError);
  });
});
