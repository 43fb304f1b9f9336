import { describe, expect, it } from 'vitest';
import { decodeLatent, DecodeError } from './decode.ts';

describe('decodeLatent', () => {
  it('"pixels": channels are RGB in [-1, 1], clamped, frames in (T, H, W, 3) order', () => {
    // [1, 3, T=2, H=1, W=2]
    const z = Float32Array.of(-1, 0, 1, 3, /* G */ 1, 1, -1, -1, /* B */ 0, 0, 0, -5);
    const v = decodeLatent(z, [1, 3, 2, 1, 2], { kind: 'pixels', upscale: 8 }, 8);
    expect(v).toMatchObject({ frames: 2, height: 1, width: 2, fps: 8 });
    expect(Array.from(v.rgb)).toEqual([0, 1, 0.5, 0.5, 1, 0.5, 1, 0, 0.5, 1, 0, 0]);
  });

  it('"pixels" with temporalFold k: latent frame t, channel j*3 + c is colour c of video frame t*k + j', () => {
    // [1, C=6, T=2, H=1, W=1]: value = 10*channel + latent frame, mapped back from [-1, 1] below
    const z = new Float32Array(12);
    for (let c = 0; c < 6; c++) for (let t = 0; t < 2; t++) z[c * 2 + t] = (10 * c + t) / 100;
    const v = decodeLatent(z, [1, 6, 2, 1, 1], { kind: 'pixels', upscale: 8, temporalFold: 2 }, 8);
    expect(v).toMatchObject({ frames: 4, height: 1, width: 1 });
    const raw = Array.from(v.rgb, (x) => Math.round((x * 2 - 1) * 100));
    // frames 0..3 = (t0 j0), (t0 j1), (t1 j0), (t1 j1); channels j*3 + (0, 1, 2)
    expect(raw).toEqual([0, 10, 20, 30, 40, 50, 1, 11, 21, 31, 41, 51]);
    expect(() => decodeLatent(z, [1, 6, 2, 1, 1], { kind: 'pixels', upscale: 8, temporalFold: 3 }, 8)).toThrow(/needs 9 channels/);
  });

  it('"none": the first three latent channels at x/5 + 0.5; fewer channels repeat the last', () => {
    const v = decodeLatent(Float32Array.of(0, 2.5, 1, -1, 9, 9, 9, 9), [1, 4, 1, 1, 2], { kind: 'none', upscale: 8 }, 24);
    [0.5, 0.7, 1, 1, 0.3, 1].forEach((want, i) => expect(v.rgb[i]).toBeCloseTo(want, 6));
    const g = decodeLatent(Float32Array.of(-2.5), [1, 1, 1, 1, 1], { kind: 'none', upscale: 1 }, 24);
    expect(Array.from(g.rgb)).toEqual([0, 0, 0]);
  });

  it('rejects wrong shapes', () => {
    expect(() => decodeLatent(new Float32Array(4), [1, 4, 1, 1], { kind: 'none', upscale: 1 }, 24)).toThrow(DecodeError);
    expect(() => decodeLatent(new Float32Array(3), [1, 4, 1, 1, 1], { kind: 'none', upscale: 1 }, 24)).toThrow(/needs 4/);
    expect(() => decodeLatent(new Float32Array(4), [1, 4, 1, 1, 1], { kind: 'pixels', upscale: 1 }, 24)).toThrow(/needs 3 channels/);
  });
});
