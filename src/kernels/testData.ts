/** Deterministic test tensors shared by the Node and browser kernel tests. */

/** mulberry32: small, seeded, identical in Node and the browser. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values in [-scale, scale). */
export function randomData(n: number, seed: number, scale = 1): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * scale;
  return out;
}

/** Largest |a - b| / (|b| + floor) over all elements. */
export function maxRelDiff(a: Float32Array, b: Float32Array, floor = 1): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (Math.abs(b[i]!) + floor));
  return worst;
}

export function relErr(x: number, ref: number): number {
  return Math.abs(x - ref) / Math.max(Math.abs(ref), Number.MIN_VALUE);
}

/** Index of the first element where a and b differ bit for bit (-1 if none); cheap on large arrays. */
export function firstMismatch(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
