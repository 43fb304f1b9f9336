/**
 * Latent -> RGB frames for display, by the manifest's decoder kind:
 * - "pixels": the latent channels are RGB in [-1, 1]; rgb = clamp((x + 1) / 2, 0, 1). With
 *   temporalFold k, latent frame t channel j*3 + c is colour c of video frame t*k + j.
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
  const fold = decoder.kind === 'pixels' ? (decoder.temporalFold ?? 1) : 1;
  if (decoder.kind === 'pixels' && C !== 3 * fold) {
    throw new DecodeError(`a "pixels" decoder with temporalFold ${fold} needs ${3 * fold} channels, the latent has ${C}`);
  }
  const map = decoder.kind === 'pixels' ? (x: number) => (x + 1) / 2 : (x: number) => x / 5 + 0.5;
  const frames = T * fold;
  const HW = H * W;
  const rgb = new Float32Array(frames * HW * 3);
  for (let f = 0; f < frames; f++) {
    const t = Math.floor(f / fold);
    const j = f % fold;
    for (let ch = 0; ch < 3; ch++) {
      const src = (Math.min(j * 3 + ch, C - 1) * T + t) * HW;
      const dst = f * HW * 3 + ch;
      for (let i = 0; i < HW; i++) rgb[dst + i * 3] = Math.min(1, Math.max(0, map(latent[src + i]!)));
    }
  }
  return { frames, height: H, width: W, fps, rgb };
}
