import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import type { CaptionInput, GenerateRequest, PolicySpec, VideoFrames } from '../../engine/api.ts';
import { createEngine } from '../../engine/generate.ts';
import { createNodeBackend } from '../../engine/nodeBackend.ts';
import type { ModelManifest } from '../../model/manifest.ts';
import { loadPackageDir } from '../../model/packageFiles.ts';
import { parseSafetensors, readFloat, writeSafetensors } from '../../model/safetensors.ts';
import { frameToRgba } from '../../video/raster.ts';
import { DEFAULT_MODEL_DIR, parseFlags, UsageError, type Command, type Flags } from '../args.ts';
import { readFileOrFail } from './convert.ts';

const POLICIES = ['none', 'adacache', 'static', 'teacache'] as const;

export function policyFromFlags(f: Flags): PolicySpec {
  const kind = f.choice('policy', POLICIES, 'none');
  switch (kind) {
    case 'none':
      return { kind };
    case 'adacache': {
      const probe = f.number('probe-block', { integer: true, min: 0 });
      return { kind, codebook: f.string('codebook') ?? 'fast', moreg: f.has('moreg'), ...(probe !== undefined ? { probeBlock: probe } : {}) };
    }
    case 'static':
      return { kind, interval: f.number('interval', { integer: true, min: 1 }) ?? 2 };
    case 'teacache':
      return { kind, threshold: f.number('threshold', { min: 0 }) ?? 0.1 };
  }
}

/** `y_cond`, `mask` and (if present) `y_null` from a reference-style sampling.safetensors. */
export function readCaption(path: string): CaptionInput {
  const file = parseSafetensors(readFileOrFail(path, 'caption embeddings'), path);
  const y = readFloat(file, 'y_cond', path).data;
  const mask = Array.from(readFloat(file, 'mask', path).data);
  return file.has('y_null') ? { y, mask, yNull: readFloat(file, 'y_null', path).data } : { y, mask };
}

/** Writes frame_000.png, ... (RGBA, enlarged `scale` times); returns how many. */
export function writePngFrames(video: VideoFrames, dir: string, scale: number): number {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < video.frames; i++) {
    const img = frameToRgba(video, i, scale);
    const png = encodePng({ width: img.width, height: img.height, data: new Uint8Array(img.data.buffer), channels: 4 });
    writeFileSync(join(dir, `frame_${String(i).padStart(3, '0')}.png`), png);
  }
  return video.frames;
}

export const SAMPLE_FLAGS = ['model', 'seed', 'steps', 'cfg', 'prompt', 'noise', 'caption-embeddings', 'height', 'width', 'num-frames', 'fps', 'latent'];

/** The GenerateRequest the shared sampling flags describe (policy left to the caller). */
export function requestFromFlags(f: Flags, m: ModelManifest): Omit<GenerateRequest, 'policy'> {
  const r: Omit<GenerateRequest, 'policy'> = {
    prompt: f.string('prompt') ?? '',
    seed: f.number('seed', { integer: true, min: 0 }) ?? 0,
    steps: f.number('steps', { integer: true, min: 2 }) ?? m.sampling.steps,
    guidance: f.number('cfg', { min: 0 }) ?? m.sampling.cfg,
  };
  const fps = f.number('fps', { integer: true, min: 1 });
  if (fps !== undefined) r.fps = fps;
  const caption = f.string('caption-embeddings');
  if (caption) r.caption = readCaption(caption);
  const noisePath = f.string('noise');
  let latent: number[] | undefined;
  if (noisePath) {
    const z0 = readFloat(parseSafetensors(readFileOrFail(noisePath, 'noise'), noisePath), 'z0', noisePath);
    if (z0.dims.length !== 5 || z0.dims[0] !== 1) throw new UsageError(`sample: z0 in ${noisePath} must be [1, C, T, H, W], got [${z0.dims}]`);
    r.noise = z0.data;
    latent = z0.dims.slice(2);
  }
  const latentFlag = f.string('latent');
  if (latentFlag) {
    const l = latentFlag.split(',').map(Number);
    if (l.length !== 3 || !l.every((v) => Number.isInteger(v) && v > 0)) throw new UsageError(`sample: --latent must be T,H,W positive integers, got "${latentFlag}"`);
    if (latent && latent.join() !== l.join()) throw new UsageError(`sample: --latent ${latentFlag} differs from the noise's latent size ${latent.join(',')}`);
    latent = l;
  }
  if (latent) {
    r.numFrames = latent[0]!;
    r.height = latent[1]!;
    r.width = latent[2]!;
  }
  const told = ['height', 'width', 'num-frames'].map((k) => f.number(k, { integer: true, min: 1 }));
  if (told.some((v) => v !== undefined)) {
    if (told.some((v) => v === undefined)) throw new UsageError('sample: give --height, --width and --num-frames together (the size the model is told)');
    r.conditioning = { height: told[0]!, width: told[1]!, numFrames: told[2]! };
  }
  return r;
}

export const sampleCommand: Command = {
  summary: 'generate a video latent with a cache policy; writes latent.safetensors, trace.json and PNG frames',
  usage:
    'sample --out DIR [--model DIR (default: the embedded model)] [--seed N --steps N --cfg X] [--prompt TEXT | --caption-embeddings FILE] [--noise FILE] ' +
    '[--height H --width W --num-frames F] [--fps R] [--latent T,H,W] [--policy none|adacache|static|teacache] ' +
    '[--codebook fast|slow|100|NAME|"t1:r1,..."] [--moreg] [--probe-block N] [--interval K] [--threshold X]',
  async run(argv) {
    const f = parseFlags('sample', argv, {
      values: [...SAMPLE_FLAGS, 'out', 'policy', 'codebook', 'probe-block', 'interval', 'threshold'],
      switches: ['moreg'],
      required: ['out'],
    });
    const pkg = loadPackageDir(f.string('model') ?? DEFAULT_MODEL_DIR);
    const m = pkg.manifest;
    const request: GenerateRequest = { ...requestFromFlags(f, m), policy: policyFromFlags(f) };
    const out = f.need('out');
    const backend = await createNodeBackend();
    const engine = await createEngine(pkg, backend);
    try {
      const res = await engine.generate(request);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'latent.safetensors'), writeSafetensors({ z: { dims: res.latentDims, data: res.latent } }));
      writeFileSync(join(out, 'trace.json'), JSON.stringify({ ...res.trace, wallMs: res.wallMs, backend: res.backend }, null, 1) + '\n');
      const frames = m.decoder.kind === 'pixels' ? writePngFrames(res.video, out, m.decoder.upscale) : 0;
      const t = res.trace;
      console.log(
        `${t.steps} steps, computed ${t.recomputed_steps.length} (${(t.steps / t.recomputed_steps.length).toFixed(2)}x fewer): [${t.recomputed_steps.join(', ')}]; ` +
          `${(res.wallMs / 1000).toFixed(2)} s; wrote latent.safetensors, trace.json${frames ? ` and ${frames} PNG frames` : ''} to ${out}`,
      );
    } finally {
      await engine.dispose();
    }
  },
};
