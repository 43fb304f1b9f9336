/**
 * The model package manifest (`manifest.json`): what the files are, how the model is configured
 * (Open-Sora's STDiT3Config field names), how prompts are encoded, how latents become pixels and
 * how to sample. docs/PACKAGE.md documents every field. One config object per model, passed down.
 */

export const MANIFEST_FORMAT = 'adacache-studio/model@1';

export class BadPackageError extends Error {
  override name = 'BadPackageError';
}

/** Open-Sora's STDiT3Config fields the engine uses. */
export interface Stdit3Config {
  hidden_size: number;
  depth: number;
  num_heads: number;
  mlp_ratio: number;
  patch_size: [number, number, number];
  in_channels: number;
  pred_sigma: boolean;
  caption_channels: number;
  model_max_length: number;
  qk_norm: boolean;
  input_sq_size: number;
}

export interface PackageFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** `skip` (one graph for a whole reused step) is optional: without it reused steps run embed and final. */
export type FileRole = 'embed' | 'stack' | 'final' | 'skip' | 'text_encoder' | 'tokenizer' | 'null_caption';

export type TextEncoderSpec =
  | { kind: 'none' }
  /** text.onnx (input_ids, attention_mask int64 [B, L] -> text_embeds [B, L, caption_channels]) + tokenizer.json. */
  | { kind: 'grammar'; vocabulary?: string[] };

export type DecoderSpec =
  /**
   * Latent channels are RGB pixels in [-1, 1]; `upscale` is the display magnification. With
   * `temporalFold` k (default 1) each latent frame holds k video frames: channel j*3 + c is colour c
   * of frame j (training/dataset.py fold_time), so the latent has 3k channels and T/k frames.
   */
  | { kind: 'pixels'; upscale: number; temporalFold?: number }
  /** No decoder: previews show the first three latent channels. */
  | { kind: 'none'; upscale: number };

export interface SamplingDefaults {
  steps: number;
  cfg: number;
  /** Pixel-space size the model is told (height/width feed the position embedding scale). */
  height: number;
  width: number;
  numFrames: number;
  fps: number;
  /** Latent size [T, H, W]. */
  latent: [number, number, number];
  useTimestepTransform: boolean;
  /** Temporal block whose self-attention residual is the AdaCache probe. */
  probeBlock: number;
}

export type Codebook = [threshold: number, rate: number][];

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  kind: 'stdit3';
  config: Stdit3Config;
  quantization: 'fp32' | 'int8' | 'int4';
  files: Partial<Record<FileRole, PackageFile>> & Record<'embed' | 'stack' | 'final', PackageFile>;
  textEncoder: TextEncoderSpec;
  decoder: DecoderSpec;
  sampling: SamplingDefaults;
  codebooks: Record<string, Codebook>;
  description?: string;
}

export function outChannels(c: Stdit3Config): number {
  return c.pred_sigma ? 2 * c.in_channels : c.in_channels;
}

export function headDim(c: Stdit3Config): number {
  return c.hidden_size / c.num_heads;
}

export function mlpHidden(c: Stdit3Config): number {
  return Math.trunc(c.hidden_size * c.mlp_ratio);
}

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Validates an STDiT3 config (Open-Sora field names) and fills documented defaults. */
export function parseStdit3Config(raw: unknown, what = 'config'): Stdit3Config {
  if (typeof raw !== 'object' || raw === null) throw new BadPackageError(`${what} must be a JSON object`);
  const r = raw as Record<string, unknown>;
  const need = (k: string): number => {
    if (!isPosInt(r[k])) throw new BadPackageError(`${what}.${k} must be a positive integer, got ${JSON.stringify(r[k])}`);
    return r[k] as number;
  };
  const patch = r.patch_size ?? [1, 2, 2];
  if (!Array.isArray(patch) || patch.length !== 3 || !patch.every(isPosInt)) {
    throw new BadPackageError(`${what}.patch_size must be three positive integers, got ${JSON.stringify(patch)}`);
  }
  const mlpRatio = r.mlp_ratio ?? 4;
  if (typeof mlpRatio !== 'number' || !(mlpRatio > 0)) throw new BadPackageError(`${what}.mlp_ratio must be a positive number`);
  const c: Stdit3Config = {
    hidden_size: need('hidden_size'),
    depth: need('depth'),
    num_heads: need('num_heads'),
    mlp_ratio: mlpRatio,
    patch_size: patch as [number, number, number],
    in_channels: need('in_channels'),
    pred_sigma: r.pred_sigma === undefined ? true : Boolean(r.pred_sigma),
    caption_channels: need('caption_channels'),
    model_max_length: need('model_max_length'),
    qk_norm: r.qk_norm === undefined ? true : Boolean(r.qk_norm),
    input_sq_size: r.input_sq_size === undefined ? 512 : need('input_sq_size'),
  };
  if (c.hidden_size % c.num_heads !== 0) throw new BadPackageError(`${what}: hidden_size ${c.hidden_size} is not divisible by num_heads ${c.num_heads}`);
  if ((c.hidden_size / c.num_heads) % 2 !== 0) throw new BadPackageError(`${what}: the head dimension must be even (RoPE pairs)`);
  if (c.hidden_size % 4 !== 0) throw new BadPackageError(`${what}: hidden_size must be a multiple of 4 (2D position embedding)`);
  return c;
}

function parseFile(raw: unknown, role: string): PackageFile {
  const f = raw as Partial<PackageFile> | undefined;
  if (!f || typeof f.path !== 'string' || !f.path || f.path.includes('..') || f.path.startsWith('/')) {
    throw new BadPackageError(`manifest.files.${role} needs a relative "path"`);
  }
  if (!isPosInt(f.bytes)) throw new BadPackageError(`manifest.files.${role}.bytes must be a positive integer`);
  if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) throw new BadPackageError(`manifest.files.${role}.sha256 must be 64 lower-case hex digits`);
  return { path: f.path, bytes: f.bytes, sha256: f.sha256 };
}

export function parseCodebook(raw: unknown, what: string): Codebook {
  if (!Array.isArray(raw) || raw.length === 0) throw new BadPackageError(`${what} must be a non-empty list of [threshold, rate]`);
  const out: Codebook = raw.map((e, i) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'number' || !Number.isFinite(e[0]) || !isPosInt(e[1])) {
      throw new BadPackageError(`${what}[${i}] must be [threshold, positive integer rate]`);
    }
    return [e[0], e[1]];
  });
  for (let i = 1; i < out.length; i++) {
    if (!(out[i]![0] > out[i - 1]![0])) throw new BadPackageError(`${what}: thresholds must be strictly ascending`);
  }
  return out;
}

/** Validates a parsed manifest.json; every problem is a BadPackageError naming the field. */
export function parseManifest(raw: unknown): ModelManifest {
  if (typeof raw !== 'object' || raw === null) throw new BadPackageError('manifest.json must hold a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) throw new BadPackageError(`manifest.format must be "${MANIFEST_FORMAT}", got ${JSON.stringify(m.format)}`);
  if (m.kind !== 'stdit3') throw new BadPackageError(`manifest.kind must be "stdit3", got ${JSON.stringify(m.kind)}`);
  if (typeof m.name !== 'string' || !m.name) throw new BadPackageError('manifest.name must be a non-empty string');
  const config = parseStdit3Config(m.config, 'manifest.config');
  if (m.quantization !== 'fp32' && m.quantization !== 'int8' && m.quantization !== 'int4') {
    throw new BadPackageError(`manifest.quantization must be fp32, int8 or int4, got ${JSON.stringify(m.quantization)}`);
  }
  const filesRaw = (m.files ?? {}) as Record<string, unknown>;
  const files: Record<string, PackageFile> = {};
  for (const role of ['embed', 'stack', 'final'] as const) files[role] = parseFile(filesRaw[role], role);
  for (const role of ['skip', 'text_encoder', 'tokenizer', 'null_caption'] as const) {
    if (filesRaw[role] !== undefined) files[role] = parseFile(filesRaw[role], role);
  }
  const te = m.textEncoder as TextEncoderSpec | undefined;
  if (!te || (te.kind !== 'none' && te.kind !== 'grammar')) throw new BadPackageError('manifest.textEncoder.kind must be "none" or "grammar"');
  if (te.kind === 'grammar' && (!files.text_encoder || !files.tokenizer)) {
    throw new BadPackageError('a "grammar" text encoder needs files.text_encoder and files.tokenizer');
  }
  const dec = m.decoder as DecoderSpec | undefined;
  if (!dec || (dec.kind !== 'pixels' && dec.kind !== 'none') || !isPosInt(dec.upscale)) {
    throw new BadPackageError('manifest.decoder must be {kind: "pixels" | "none", upscale: positive integer}');
  }
  if (dec.kind === 'pixels') {
    const fold = dec.temporalFold ?? 1;
    if (!isPosInt(fold)) throw new BadPackageError('manifest.decoder.temporalFold must be a positive integer');
    if (config.in_channels !== 3 * fold) {
      throw new BadPackageError(`a "pixels" decoder with temporalFold ${fold} needs in_channels ${3 * fold}, the config has ${config.in_channels}`);
    }
  }
  const s = m.sampling as Partial<SamplingDefaults> | undefined;
  if (!s) throw new BadPackageError('manifest.sampling is missing');
  for (const k of ['steps', 'height', 'width', 'numFrames', 'fps'] as const) {
    if (!isPosInt(s[k])) throw new BadPackageError(`manifest.sampling.${k} must be a positive integer`);
  }
  if (typeof s.cfg !== 'number' || !(s.cfg >= 0)) throw new BadPackageError('manifest.sampling.cfg must be a number >= 0');
  if (!Array.isArray(s.latent) || s.latent.length !== 3 || !s.latent.every(isPosInt)) {
    throw new BadPackageError('manifest.sampling.latent must be [T, H, W] positive integers');
  }
  if (!Number.isInteger(s.probeBlock) || s.probeBlock! < 0 || s.probeBlock! >= config.depth) {
    throw new BadPackageError(`manifest.sampling.probeBlock must be a temporal block index in 0..${config.depth - 1}`);
  }
  const codebooks: Record<string, Codebook> = {};
  for (const [name, cb] of Object.entries((m.codebooks ?? {}) as Record<string, unknown>)) {
    codebooks[name] = parseCodebook(cb, `manifest.codebooks.${name}`);
  }
  return {
    format: MANIFEST_FORMAT,
    name: m.name,
    kind: 'stdit3',
    config,
    quantization: m.quantization,
    files: files as ModelManifest['files'],
    textEncoder: te,
    decoder: dec,
    sampling: { ...(s as SamplingDefaults), useTimestepTransform: Boolean(s.useTimestepTransform) },
    codebooks,
    ...(typeof m.description === 'string' ? { description: m.description } : {}),
  };
}
