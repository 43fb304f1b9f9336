/**
 * Latent -> RGB frames for display, by the manifest's decoder kind:
 * - "pixels": the latent channels are RGB in [-1, 1]; rgb = clamp((x + 1) / 2, 0, 1).
 * - "none": no decoder; the first three latent channels are shown with a fixed normalisation
 *   rgb = clamp(x / 5 + 0.5, 0, 1) (unit-variance latents span about +-2.5), fewer channels repeat.
 * Frames keep the latent resolution; views enlarge them (see raster.ts).
 */
import type { VideoFrames } from '../engine/api.ts';
import type { DecoderSpec } from '../model/manifest.ts';

export class DecodeError extends Error {
  override name = 'DecodeError';
}

export function decodeLatent(latent: Float32Array, dims: readonly number[], decoder: DecoderSpec, fps: number): VideoFrames {
  if (dims.length !== 5 || dims[0] !== 1) throw new DecodeError(`a latent must be [1, C, T, H, W], got [${dims.join(', ')}]`);
  const [, C, T, H, W] = dims as [number, number, number, number, number];
  if (latent.length !== C * T * H * W) throw new DecodeError(`latent has ${latent.length} values, [${dims.join(', ')}] needs ${C * T * H * W}`);
  if (decoder.kind === 'pixels' && C !== 3) throw new DecodeError(`a "pixels" decoder needs 3 channels, the latent has ${C}`);
  const map = decoder.kind === 'pixels' ? (x: number) => (x + 1) / 2 : (x: number) => x / 5 + 0.5;
  const rgb = new Float32Array(T * H * W * 3);
  const plane = T * H * W;
  for (let ch = 0; ch < 3; ch++) {
    const src = Math.min(ch, C - 1) * plane;
    for (let i = 0; i < plane; i++) rgb[i * 3 + ch] = Math.min(1, Math.max(0, map(latent[src + i]!)));
  }
  return { frames: T, height: H, width: W, fps, rgb };
}
