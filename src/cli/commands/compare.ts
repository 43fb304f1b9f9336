import { join } from 'node:path';
import type { ModelManifest } from '../../model/manifest.ts';
import { readManifest } from '../../model/packageFiles.ts';
import { parseSafetensors, readFloat } from '../../model/safetensors.ts';
import { decodeLatent } from '../../video/decode.ts';
import { psnr, ssim } from '../../video/metrics.ts';
import { DEFAULT_MODEL_DIR, parseFlags, type Command } from '../args.ts';
import { readFileOrFail } from './convert.ts';

/** The decoded video of a `sample --out DIR` folder. */
function sampleVideo(dir: string, manifest: ModelManifest) {
  const path = join(dir, 'latent.safetensors');
  const z = readFloat(parseSafetensors(readFileOrFail(path, 'sample latent'), path), 'z', path);
  return decodeLatent(z.data, z.dims, manifest.decoder, manifest.sampling.fps);
}

export const compareCommand: Command = {
  summary: "video PSNR and SSIM of one sample against another (e.g. int8 vs fp32 package, cached vs baseline)",
  usage: 'compare --a DIR --b DIR [--model DIR (whose decoder; default: the embedded model)]',
  async run(argv) {
    const f = parseFlags('compare', argv, { values: ['a', 'b', 'model'], required: ['a', 'b'] });
    const manifest = readManifest(f.string('model') ?? DEFAULT_MODEL_DIR);
    const a = sampleVideo(f.need('a'), manifest);
    const b = sampleVideo(f.need('b'), manifest);
    console.log(`PSNR ${psnr(a, b).toFixed(2)} dB, SSIM ${ssim(a, b).toFixed(4)} (${a.frames} frames of ${a.width}x${a.height})`);
  },
};
