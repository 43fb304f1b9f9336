/**
 * Checkpoint -> model package: the STDiT3 graphs, the learned null caption and a manifest
 * with sizes and sha256 of every file. Pure bytes in and out; src/cli writes them to a folder.
 */
import {
  MANIFEST_FORMAT,
  type DecoderSpec,
  type FileRole,
  type ModelManifest,
  type PackageFile,
  type SamplingDefaults,
  type Stdit3Config,
  type TextEncoderSpec,
} from '../model/manifest.ts';
import { writeSafetensors, type FloatTensor } from '../model/safetensors.ts';
import type { Quantization } from './onnxGraph.ts';
import { buildStdit3Graphs } from './stdit3Graphs.ts';

export interface ConvertOptions {
  name: string;
  config: Stdit3Config;
  weights: ReadonlyMap<string, FloatTensor>;
  quant: Quantization;
  sampling: SamplingDefaults;
  decoder?: DecoderSpec;
  /** A text encoder to ship (text.onnx + tokenizer.json); without it prompts come as caption embeddings. */
  textEncoder?: { spec: TextEncoderSpec; onnx: Uint8Array; tokenizer: Uint8Array };
  description?: string;
  /** Extra intermediate outputs for layer-by-layer tests (never for shipped packages). */
  debug?: boolean;
}

export interface BuiltPackage {
  manifest: ModelManifest;
  /** Path (relative to the package folder) -> bytes, manifest.json included. */
  files: Map<string, Uint8Array>;
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', Uint8Array.from(data));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Open-Sora puts the probe at temporal block 13 of 28 ("mid depth"); the same fraction for other depths. */
export function defaultProbeBlock(depth: number): number {
  return Math.floor((depth * 13) / 28);
}

export async function buildPackage(o: ConvertOptions): Promise<BuiltPackage> {
  const graphs = buildStdit3Graphs(o.config, o.weights, { quant: o.quant, debug: o.debug ?? false });
  const yNull = o.weights.get('y_embedder.y_embedding')!;
  const byRole: [FileRole, string, Uint8Array][] = [
    ['embed', 'embed.onnx', graphs.embed],
    ['stack', 'stack.onnx', graphs.stack],
    ['final', 'final.onnx', graphs.final],
    ['skip', 'skip.onnx', graphs.skip],
    ['null_caption', 'null_caption.safetensors', writeSafetensors({ y_null: { dims: [1, 1, ...yNull.dims], data: yNull.data } })],
  ];
  if (o.textEncoder) {
    byRole.push(['text_encoder', 'text.onnx', o.textEncoder.onnx], ['tokenizer', 'tokenizer.json', o.textEncoder.tokenizer]);
  }
  const files = new Map<string, Uint8Array>();
  const entries: Partial<Record<FileRole, PackageFile>> = {};
  for (const [role, path, bytes] of byRole) {
    files.set(path, bytes);
    entries[role] = { path, bytes: bytes.byteLength, sha256: await sha256Hex(bytes) };
  }
  const manifest: ModelManifest = {
    format: MANIFEST_FORMAT,
    name: o.name,
    kind: 'stdit3',
    config: o.config,
    quantization: o.quant,
    files: entries as ModelManifest['files'],
    textEncoder: o.textEncoder?.spec ?? { kind: 'none' },
    decoder: o.decoder ?? { kind: 'none', upscale: 8 },
    sampling: o.sampling,
    codebooks: {},
    ...(o.description ? { description: o.description } : {}),
  };
  files.set('manifest.json', new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'));
  return { manifest, files };
}
