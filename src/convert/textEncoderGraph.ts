/**
 * Builds the ONNX graph of the embedded model's text encoder (training/text_encoder.py):
 * token embedding + learned positions, pre-LN transformer layers with a key padding mask,
 * final LayerNorm. Inputs `input_ids`, `attention_mask` (int64 [B, L]); output
 * `text_embeds` float32 [B, L, dim]. Opset 17 (LayerNormalization; GELU-tanh spelled out).
 */
import { type FloatTensor, parseSafetensors, readFloat } from '../model/safetensors.ts';
import { FLOAT, GraphBuilder, INT64 } from './onnxGraph.ts';

export interface TextEncoderConfig {
  vocab_size: number;
  max_length: number;
  dim: number;
  layers: number;
  heads: number;
}

export type NamedTensor = FloatTensor;

export class TextEncoderGraphError extends Error {
  override name = 'TextEncoderGraphError';
}

function checkConfig(c: TextEncoderConfig): void {
  for (const k of ['vocab_size', 'max_length', 'dim', 'layers', 'heads'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new TextEncoderGraphError(`config.${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.dim % c.heads !== 0) throw new TextEncoderGraphError(`dim ${c.dim} is not divisible by heads ${c.heads}`);
}

export function buildTextEncoderGraph(config: TextEncoderConfig, weights: Record<string, NamedTensor>): Uint8Array {
  checkConfig(config);
  const { dim: D, heads, max_length: L, layers } = config;
  const hd = D / heads;
  const get = (name: string, dims: number[]): NamedTensor => {
    const t = weights[name];
    if (!t) throw new TextEncoderGraphError(`missing text encoder weight ${name}`);
    if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
      throw new TextEncoderGraphError(`${name} has shape [${t.dims}], expected [${dims}]`);
    }
    if (t.data.length !== dims.reduce((a, b) => a * b, 1)) throw new TextEncoderGraphError(`${name} has the wrong data length`);
    return t;
  };
  const b = new GraphBuilder('text_encoder');
  // the text encoder is tiny next to the STDiT3, so it stays fp32 whatever the package's quantization
  const linear = (x: string, prefix: string, cin: number, cout: number): string =>
    b.linear(x, prefix, get(`${prefix}.weight`, [cout, cin]), get(`${prefix}.bias`, [cout]), 'fp32');
  const layerNorm = (x: string, prefix: string): string =>
    b.layerNorm(x, D, 1e-5, {
      weight: b.float(`${prefix}.weight`, [D], get(`${prefix}.weight`, [D]).data),
      bias: b.float(`${prefix}.bias`, [D], get(`${prefix}.bias`, [D]).data),
    });

  const ids = b.input('input_ids', ['B', L], INT64);
  const mask = b.input('attention_mask', ['B', L], INT64);
  const tok = get('tok.weight', [config.vocab_size, D]);
  let x = b.op('Gather', [b.float('tok.weight', tok.dims, tok.data), ids], { axis: 0 });
  x = b.op('Add', [x, b.float('pos', [L, D], get('pos', [L, D]).data)]);
  // key bias: 0 for tokens, -1e4 for padding, broadcast over heads and queries
  const m = b.op('Cast', [mask], { to: FLOAT });
  const keyBias = b.op('Unsqueeze', [b.op('Mul', [b.op('Sub', [b.scalar(1), m]), b.scalar(-1e4)]), b.ints([1, 2])]);
  for (let i = 0; i < layers; i++) {
    const p = `layers.${i}`;
    const qkv = linear(layerNorm(x, `${p}.ln1`), `${p}.qkv`, D, 3 * D);
    const split = b.transpose(b.reshape(qkv, b.ints([0, 0, 3, heads, hd])), [2, 0, 3, 1, 4]);
    const [q, k, v] = b.opN('Split', [split, b.ints([1, 1, 1])], 3, { axis: 0 }).map((t) => b.op('Squeeze', [t, b.ints([0])]));
    const kt = b.transpose(k!, [0, 1, 3, 2]);
    const scores = b.op('Add', [b.op('Mul', [b.op('MatMul', [q!, kt]), b.scalar(hd ** -0.5)]), keyBias]);
    const att = b.op('MatMul', [b.op('Softmax', [scores], { axis: -1 }), v!]);
    const merged = b.reshape(b.transpose(att, [0, 2, 1, 3]), b.ints([0, 0, D]));
    x = b.op('Add', [x, linear(merged, `${p}.proj`, D, D)]);
    const h = b.geluTanh(linear(layerNorm(x, `${p}.ln2`), `${p}.fc1`, D, 2 * D));
    x = b.op('Add', [x, linear(h, `${p}.fc2`, 2 * D, D)]);
  }
  b.output('text_embeds', layerNorm(x, 'ln_f'), ['B', L, D]);
  return b.toBytes();
}

/** What training/export.py writes for the text encoder. */
export interface TextEncoderExport {
  /** text_encoder.safetensors */
  weights: Uint8Array;
  /** text_encoder.json, parsed */
  config: unknown;
  /** tokenizer.json bytes */
  tokenizer: Uint8Array;
}

/**
 * The package's text encoder files from a training export: text.onnx built from the weights,
 * tokenizer.json as exported, and the spec naming the vocabulary (special tokens left out).
 */
export function textEncoderFromExport(e: TextEncoderExport): {
  spec: { kind: 'grammar'; vocabulary: string[] };
  onnx: Uint8Array;
  tokenizer: Uint8Array;
} {
  const cfg = e.config as Partial<TextEncoderConfig> | null;
  if (!cfg || typeof cfg !== 'object') throw new TextEncoderGraphError('text_encoder.json must hold a JSON object');
  const config = cfg as TextEncoderConfig;
  checkConfig(config);
  const tensors = parseSafetensors(e.weights, 'text_encoder.safetensors');
  const weights: Record<string, NamedTensor> = {};
  for (const name of tensors.keys()) weights[name] = readFloat(tensors, name, 'text_encoder.safetensors');
  let tok: { model?: { vocab?: Record<string, number> }; added_tokens?: { content: string }[] };
  try {
    tok = JSON.parse(new TextDecoder().decode(e.tokenizer));
  } catch (err) {
    throw new TextEncoderGraphError(`tokenizer.json is not JSON: ${(err as Error).message}`);
  }
  const vocab = tok.model?.vocab;
  if (!vocab || typeof vocab !== 'object') throw new TextEncoderGraphError('tokenizer.json has no model.vocab');
  if (Object.keys(vocab).length !== config.vocab_size) {
    throw new TextEncoderGraphError(`tokenizer has ${Object.keys(vocab).length} words, the text encoder ${config.vocab_size}`);
  }
  const special = new Set((tok.added_tokens ?? []).map((t) => t.content));
  return {
    spec: { kind: 'grammar', vocabulary: Object.keys(vocab).filter((w) => !special.has(w)) },
    onnx: buildTextEncoderGraph(config, weights),
    tokenizer: e.tokenizer,
  };
}
