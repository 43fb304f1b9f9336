/**
 * Packages without a text encoder (textEncoder "none", e.g. the converted reference checkpoint) take
 * caption embeddings, not text. The studio then derives a fixed caption from the prompt: the same
 * text always gives the same embedding (so results reproduce), different text a different one. It
 * carries no meaning; the page says so.
 */

export interface CaptionEmbedding {
  /** [1, 1, L, channels] */
  y: Float32Array;
  dims: [1, 1, number, number];
  /** Valid tokens (the first `tokens` of L), one per word, at least 1. */
  tokens: number;
}

/** FNV-1a over the UTF-16 code units of the normalised prompt. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: small, fast, good enough to spread a seed over a few thousand values. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function captionFromPrompt(prompt: string, maxTokens: number, channels: number): CaptionEmbedding {
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || !Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`caption size must be positive integers, got ${maxTokens} x ${channels}`);
  }
  const text = prompt.trim().toLowerCase().replace(/\s+/g, ' ');
  const words = text ? text.split(' ').length : 1;
  const tokens = Math.min(maxTokens, Math.max(1, words));
  const next = rng(hash(text));
  const y = new Float32Array(maxTokens * channels);
  // Box-Muller: unit normal values, like a text encoder's output scale.
  for (let i = 0; i < tokens * channels; i++) {
    const u = Math.max(next(), 1e-12);
    y[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return { y, dims: [1, 1, maxTokens, channels], tokens };
}
