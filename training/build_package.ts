/**
 * Builds the app's default model package from a training export (training/export.py):
 * int8 STDiT3 graphs + null caption (src/convert/package.ts), text.onnx + tokenizer.json,
 * manifest with checksums.
 *
 *   npx tsx training/build_package.ts training/runs/shapes/export public/models/shapes [cfg] [int8|fp32]
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildPackage, defaultProbeBlock } from '../src/convert/package.ts';
import { textEncoderFromExport } from '../src/convert/textEncoderGraph.ts';
import { parseStdit3Config } from '../src/model/manifest.ts';
import { parseSafetensors, readFloat, type FloatTensor } from '../src/model/safetensors.ts';

const [exportDir, outDir, cfgArg, quantArg] = process.argv.slice(2);
if (!exportDir || !outDir) {
  console.error('usage: tsx training/build_package.ts EXPORT_DIR OUT_DIR [cfg] [int8|fp32]');
  process.exit(2);
}
const read = (f: string) => new Uint8Array(fs.readFileSync(path.join(exportDir, f)));
const json = (f: string) => JSON.parse(fs.readFileSync(path.join(exportDir, f), 'utf8'));
const grammar = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'grammar.json'), 'utf8'));
const config = parseStdit3Config(json('config.json'));
const tensors = parseSafetensors(read('stdit3.safetensors'), 'stdit3.safetensors');
const weights = new Map<string, FloatTensor>();
for (const name of tensors.keys()) weights.set(name, readFloat(tensors, name));
const training = json('training.json');
if (!Array.isArray(training.lineage)) {
  console.error(`${path.join(exportDir, 'training.json')} has no lineage: export the run again with training/export.py`);
  process.exit(2);
}
const v = grammar.video;
// train.py --temporal-fold: each latent frame holds this many video frames in its channels
const fold: number = training.train.temporal_fold ?? 1;
const latentFrames = v.frames / fold;
const [pt, ph, pw] = config.patch_size;
if (!Number.isInteger(latentFrames) || latentFrames % pt || v.height % ph || v.width % pw) {
  throw new Error('latent size is not a multiple of the patch size');
}
const pkg = await buildPackage({
  name: path.basename(outDir),
  config,
  weights,
  // int8 ships; fp32 is for checking what quantization costs (PSNR)
  quant: quantArg === 'fp32' ? 'fp32' : 'int8',
  sampling: {
    steps: 30,
    cfg: cfgArg ? Number(cfgArg) : 7,
    height: v.height,
    width: v.width,
    numFrames: v.frames,
    fps: v.fps,
    latent: [latentFrames, v.height, v.width],
    // a pixel-space model: Open-Sora's transform assumes its VAE's frame count
    useTimestepTransform: false,
    probeBlock: defaultProbeBlock(config.depth),
  },
  decoder: fold === 1 ? { kind: 'pixels', upscale: 8 } : { kind: 'pixels', upscale: 8, temporalFold: fold },
  textEncoder: textEncoderFromExport({ weights: read('text_encoder.safetensors'), config: json('text_encoder.json'), tokenizer: read('tokenizer.json') }),
  description:
    `Small text-to-video STDiT3 trained on procedural shape videos (training/). ` +
    trainingSummary(training),
});
fs.mkdirSync(outDir, { recursive: true });
let total = 0;
for (const [name, bytes] of pkg.files) {
  fs.writeFileSync(path.join(outDir, name), bytes);
  total += bytes.byteLength;
}
console.log(`wrote ${pkg.files.size} files, ${(total / 1e6).toFixed(2)} MB -> ${outDir}`);

/** Steps, samples and wall time, counting every run this one grew from (train.py --init-from). */
function trainingSummary(t: {
  run: string;
  step: number;
  samples: number;
  train_wall_s: number;
  weights: string;
  lineage: { run: string; step: number; samples: number; train_wall_s: number }[];
}): string {
  const runs = [...t.lineage].reverse().concat([t]);
  const sum = (key: 'step' | 'samples' | 'train_wall_s') => runs.reduce((acc, r) => acc + r[key], 0);
  const chain = runs.length > 1 ? ` over ${runs.length} chained runs (${runs.map((r) => r.run).join(' -> ')})` : '';
  return `${sum('step')} steps${chain}, ${sum('samples')} samples, ${(sum('train_wall_s') / 3600).toFixed(2)} h on 2 CPU cores, ${t.weights} weights.`;
}
