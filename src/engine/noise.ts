/**
 * Seeded Gaussian noise, bit-identical in the browser and in Node.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 32-bit state words, seeded by running splitmix32
 * over the seed (so seeds 0, 1, 2... give unrelated streams). Only 32-bit integer operations
 * (Math.imul, shifts, >>> 0), which every JavaScript engine computes identically.
 * Normal values: Box-Muller in float64, u1 = (a + 1) / 2^32 (never 0), u2 = b / 2^32 from two
 * consecutive draws; both z0 = r cos(2 pi u2) and z1 = r sin(2 pi u2) are used, in that order;
 * each value is rounded to float32 when stored. Math.log/cos/sin/sqrt are correctly rounded or
 * within 1 ulp in V8, SpiderMonkey and JavaScriptCore, so a float32 result is the same everywhere
 * except in the rare case a value lands on a float32 rounding boundary.
 * docs/SAMPLER.md states the same.
 */

export class NoiseSeedError extends Error {
  override name = 'NoiseSeedError';
}

/** splitmix32 step: a well-mixed 32-bit word from a counter. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** xoshiro128** over 32-bit words. */
export class Xoshiro128 {
  private s: Uint32Array;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new NoiseSeedError(`seed must be a non-negative integer, got ${seed}`);
    // Both halves of seeds above 2^32 matter.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const s = new Uint32Array(4);
    let c = lo ^ Math.imul(hi, 0x632be5ab);
    for (let i = 0; i < 4; i++) {
      c = (c + 0x9e3779b9) >>> 0;
      s[i] = splitmix32(c ^ hi);
    }
    if (s.every((v) => v === 0)) s[0] = 1;
    this.s = s;
  }

  /** A generator from a raw state (for checking against the published reference outputs). */
  static fromState(state: readonly [number, number, number, number]): Xoshiro128 {
    const g = new Xoshiro128(0);
    g.s = Uint32Array.from(state);
    return g;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }
}

/** `count` standard normal values (float32) from `seed`. */
export function gaussianNoise(seed: number, count: number): Float32Array {
  if (!Number.isSafeInteger(count) || count < 0) throw new NoiseSeedError(`count must be a non-negative integer, got ${count}`);
  const rng = new Xoshiro128(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = (rng.nextU32() + 1) / 4294967296;
    const u2 = rng.nextU32() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    const a = 2 * Math.PI * u2;
    out[i] = r * Math.cos(a);
    if (i + 1 < count) out[i + 1] = r * Math.sin(a);
  }
  return out;
}
