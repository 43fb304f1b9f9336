/**
 * Builds the ONNX graph of the embedded model's text encoder (training/text_encoder.py):
 * token embedding + learned positions, pre-LN transformer layers with a key padding mask,
 * final LayerNorm. Inputs `input_ids`, `attention_mask` (int64 [B, L]); output
 * `text_embeds` float32 [B, L, dim]. Opset 17 (LayerNormalization; GELU-tanh spelled out).
 */
import onnxProto from 'onnx-proto';
import { parseSafetensors, readFloat } from '../model/safetensors.ts';

const { onnx } = onnxProto;

export interface TextEncoderConfig {
  vocab_size: number;
  max_length: number;
  dim: number;
  layers: number;
  heads: number;
}

export interface NamedTensor {
  dims: readonly number[];
  data: Float32Array;
}

export class TextEncoderGraphError extends Error {
  override name = 'TextEncoderGraphError';
}

const OPSET = 17;

function checkConfig(c: TextEncoderConfig): void {
  for (const k of ['vocab_size', 'max_length', 'dim', 'layers', 'heads'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new TextEncoderGraphError(`config.${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.dim % c.heads !== 0) throw new TextEncoderGraphError(`dim ${c.dim} is not divisible by heads ${c.heads}`);
}

/** Graph under construction: nodes, initializers and fresh value names. */
class Builder {
  nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  inits: InstanceType<typeof onnx.TensorProto>[] = [];
  private n = 0;

  fresh(hint: string): string {
    return `${hint}_${this.n++}`;
  }

  op(type: string, inputs: string[], attrs: Record<string, number | number[]> = {}, hint = type): string {
    const out = this.fresh(hint);
    const attribute = Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
        : Number.isInteger(v) && name !== 'epsilon'
          ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v })
          : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v }),
    );
    this.nodes.push(onnx.NodeProto.create({ opType: type, input: inputs, output: [out], name: out, attribute }));
    return out;
  }

  float(name: string, dims: readonly number[], data: Float32Array): string {
    this.inits.push(
      onnx.TensorProto.create({
        name,
        dims: [...dims],
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
      }),
    );
    return name;
  }

  scalar(v: number): string {
    return this.float(this.fresh('const'), [], new Float32Array([v]));
  }

  int64(values: number[]): string {
    const name = this.fresh('shape');
    this.inits.push(
      onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values }),
    );
    return name;
  }

  int64Scalar(v: number): string {
    const name = this.fresh('idx');
    this.inits.push(onnx.TensorProto.create({ name, dims: [], dataType: onnx.TensorProto.DataType.INT64, int64Data: [v] }));
    return name;
  }
}

function transpose2d(t: NamedTensor): Float32Array {
  const [r, c] = t.dims as [number, number];
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j]!;
  return out;
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
  const b = new Builder();
  const linear = (x: string, prefix: string, cin: number, cout: number): string => {
    const w = get(`${prefix}.weight`, [cout, cin]);
    const bias = get(`${prefix}.bias`, [cout]);
    const mm = b.op('MatMul', [x, b.float(`${prefix}.weight_t`, [cin, cout], transpose2d(w))]);
    return b.op('Add', [mm, b.float(`${prefix}.bias`, [cout], bias.data)]);
  };
  const layerNorm = (x: string, prefix: string): string =>
    b.op(
      'LayerNormalization',
      [x, b.float(`${prefix}.weight`, [D], get(`${prefix}.weight`, [D]).data), b.float(`${prefix}.bias`, [D], get(`${prefix}.bias`, [D]).data)],
      { axis: -1, epsilon: 1e-5 },
    );
  const geluTanh = (x: string): string => {
    const x3 = b.op('Mul', [b.op('Mul', [x, x]), x]);
    const inner = b.op('Mul', [b.op('Add', [x, b.op('Mul', [x3, b.scalar(0.044715)])]), b.scalar(Math.sqrt(2 / Math.PI))]);
    return b.op('Mul', [b.op('Mul', [x, b.scalar(0.5)]), b.op('Add', [b.op('Tanh', [inner]), b.scalar(1)])]);
  };

  const tok = get('tok.weight', [config.vocab_size, D]);
  let x = b.op('Gather', [b.float('tok.weight', tok.dims, tok.data), 'input_ids'], { axis: 0 });
  x = b.op('Add', [x, b.float('pos', [L, D], get('pos', [L, D]).data)]);
  // key bias: 0 for tokens, -1e4 for padding, broadcast over heads and queries
  const m = b.op('Cast', ['attention_mask'], { to: onnx.TensorProto.DataType.FLOAT });
  const keyBias = b.op('Unsqueeze', [b.op('Mul', [b.op('Sub', [b.scalar(1), m]), b.scalar(-1e4)]), b.int64([1, 2])]);
  for (let i = 0; i < layers; i++) {
    const p = `layers.${i}`;
    const qkv = linear(layerNorm(x, `${p}.ln1`), `${p}.qkv`, D, 3 * D);
    const split = b.op('Transpose', [b.op('Reshape', [qkv, b.int64([0, 0, 3, heads, hd])])], { perm: [2, 0, 3, 1, 4] });
    const [q, k, v] = [0, 1, 2].map((j) => b.op('Gather', [split, b.int64Scalar(j)], { axis: 0 }));
    const kt = b.op('Transpose', [k!], { perm: [0, 1, 3, 2] });
    const scores = b.op('Add', [b.op('Mul', [b.op('MatMul', [q!, kt]), b.scalar(hd ** -0.5)]), keyBias]);
    const att = b.op('MatMul', [b.op('Softmax', [scores], { axis: -1 }), v!]);
    const merged = b.op('Reshape', [b.op('Transpose', [att], { perm: [0, 2, 1, 3] }), b.int64([0, 0, D])]);
    x = b.op('Add', [x, linear(merged, `${p}.proj`, D, D)]);
    const h = geluTanh(linear(layerNorm(x, `${p}.ln2`), `${p}.fc1`, D, 2 * D));
    x = b.op('Add', [x, linear(h, `${p}.fc2`, 2 * D, D)]);
  }
  const out = layerNorm(x, 'ln_f');
  b.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [out], output: ['text_embeds'], name: 'text_embeds' }));

  const intIn = (name: string) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimParam: 'B' }, { dimValue: L }] } } },
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'adacache-studio',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'text_encoder',
      node: b.nodes,
      initializer: b.inits,
      input: [intIn('input_ids'), intIn('attention_mask')],
      output: [
        onnx.ValueInfoProto.create({
          name: 'text_embeds',
          type: {
            tensorType: {
              elemType: onnx.TensorProto.DataType.FLOAT,
              shape: { dim: [{ dimParam: 'B' }, { dimValue: L }, { dimValue: D }] },
            },
          },
        }),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
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
