/**
 * The run-time inputs of the STDiT3 graphs that depend on the video size: the token grid,
 * the 2D sin-cos position embedding and the temporal RoPE tables. Computed on the host in
 * float32 steps, as Open-Sora computes them in torch.
 */
import { headDim, type Stdit3Config } from '../model/manifest.ts';

export class VideoSizeError extends Error {
  override name = 'VideoSizeError';
}

export interface TokenGrid {
  /** Latent frames / patch, latent rows / patch, latent columns / patch. */
  T: number;
  Hp: number;
  Wp: number;
}

/** The token grid of a latent [T, H, W]: sizes that are not multiples of the patch are zero-padded up (embed pads, final crops). */
export function tokenGrid(c: Stdit3Config, latent: readonly [number, number, number]): TokenGrid {
  const [t, h, w] = latent;
  const [pt, ph, pw] = c.patch_size;
  for (const [v, what] of [[t, 'frames'], [h, 'height'], [w, 'width']] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new VideoSizeError(`latent ${what} must be a positive integer, got ${v}`);
  }
  return { T: Math.ceil(t / pt), Hp: Math.ceil(h / ph), Wp: Math.ceil(w / pw) };
}

const f = Math.fround;

/**
 * Open-Sora's PositionEmbedding2D for a Hp x Wp grid, tiled over the T frames: [T*Hp*Wp, C].
 * base = round(sqrt(S)), scale = sqrt(height * width) / input_sq_size (pixels);
 * each token gets [sin(gw w), cos(gw w), sin(gh w), cos(gh w)].
 */
export function positionEmbedding(c: Stdit3Config, grid: TokenGrid, height: number, width: number): Float32Array {
  if (!(height > 0) || !(width > 0)) throw new VideoSizeError(`height and width must be positive pixels, got ${height}x${width}`);
  const C = c.hidden_size;
  const { Hp, Wp, T } = grid;
  const S = Hp * Wp;
  const base = Math.round(Math.sqrt(S));
  const scale = Math.sqrt(height * width) / c.input_sq_size;
  const quarter = C / 4;
  const inv = new Float32Array(quarter);
  for (let k = 0; k < quarter; k++) inv[k] = f(1 / f(10000 ** f(f(2 * k) / (C / 2))));
  const frame = new Float32Array(S * C);
  for (let i = 0; i < Hp; i++) {
    const gh = f(f(i / scale) * f(base / Hp));
    for (let j = 0; j < Wp; j++) {
      const gw = f(f(j / scale) * f(base / Wp));
      const row = (i * Wp + j) * C;
      for (let k = 0; k < quarter; k++) {
        const aw = f(gw * inv[k]!);
        const ah = f(gh * inv[k]!);
        frame[row + k] = Math.sin(aw);
        frame[row + quarter + k] = Math.cos(aw);
        frame[row + 2 * quarter + k] = Math.sin(ah);
        frame[row + 3 * quarter + k] = Math.cos(ah);
      }
    }
  }
  const out = new Float32Array(T * S * C);
  for (let t = 0; t < T; t++) out.set(frame, t * S * C);
  return out;
}

/** RoPE tables [T, head_dim] for positions 0..T-1, frequencies repeated per interleaved pair. */
export function ropeTables(c: Stdit3Config, frames: number): { cos: Float32Array; sin: Float32Array } {
  const hd = headDim(c);
  const cos = new Float32Array(frames * hd);
  const sin = new Float32Array(frames * hd);
  for (let i = 0; i < hd / 2; i++) {
    const freq = f(1 / f(10000 ** f((2 * i) / hd)));
    for (let t = 0; t < frames; t++) {
      const a = f(t * freq);
      cos[t * hd + 2 * i] = cos[t * hd + 2 * i + 1] = Math.cos(a);
      sin[t * hd + 2 * i] = sin[t * hd + 2 * i + 1] = Math.sin(a);
    }
  }
  return { cos, sin };
}
