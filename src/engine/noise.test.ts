import { describe, expect, it } from 'vitest';
import { gaussianNoise, NoiseSeedError, Xoshiro128 } from './noise.ts';

describe('Xoshiro128 (xoshiro128**)', () => {
  it('gives the reference outputs from state [1, 2, 3, 4]', () => {
    const g = Xoshiro128.fromState([1, 2, 3, 4]);
    expect([g.nextU32(), g.nextU32(), g.nextU32()]).toEqual([11520, 0, 5927040]);
  });
});

describe('gaussianNoise', () => {
  it('is fixed for a seed (these values are the documented stream; changing them changes every video)', () => {
    expect(Array.from(gaussianNoise(0, 5))).toEqual([
      -0.47007912397384644, 1.4765856266021729, 0.7984759211540222, -0.9368878602981567, 0.24615079164505005,
    ]);
    expect(Array.from(gaussianNoise(42, 3))).toEqual([-0.1645960658788681, 0.018772343173623085, 0.8080921173095703]);
    expect(Array.from(gaussianNoise(2 ** 40 + 7, 2))).toEqual([-1.161597490310669, 0.3783006966114044]);
  });

  it('is a prefix stream: a longer draw starts with the shorter one', () => {
    expect(gaussianNoise(7, 1001).subarray(0, 999)).toEqual(gaussianNoise(7, 999));
  });

  it('differs between seeds, including seeds that differ only above 2^32', () => {
    expect(gaussianNoise(1, 8)).not.toEqual(gaussianNoise(2, 8));
    expect(gaussianNoise(5, 8)).not.toEqual(gaussianNoise(5 + 2 ** 32, 8));
  });

  it('has standard normal statistics', () => {
    const n = 200_000;
    const x = gaussianNoise(123, n);
    let mean = 0;
    for (const v of x) mean += v;
    mean /= n;
    let m2 = 0;
    let m4 = 0;
    let within1 = 0;
    for (const v of x) {
      m2 += (v - mean) ** 2;
      m4 += (v - mean) ** 4;
      if (Math.abs(v) < 1) within1++;
    }
    const variance = m2 / n;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.015);
    expect(Math.abs(m4 / n / variance ** 2 - 3)).toBeLessThan(0.06);
    expect(Math.abs(within1 / n - 0.6827)).toBeLessThan(0.005);
    expect(x.every(Number.isFinite)).toBe(true);
  });

  it('rejects bad seeds and counts', () => {
    expect(() => gaussianNoise(-1, 4)).toThrow(NoiseSeedError);
    expect(() => gaussianNoise(1.5, 4)).toThrow(NoiseSeedError);
    expect(() => gaussianNoise(1, -2)).toThrow(NoiseSeedError);
  });
});
