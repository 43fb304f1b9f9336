/**
 * A small ONNX graph builder over onnx-proto: named initializers, nodes with fresh output names,
 * typed inputs/outputs, and weight-only quantized linear layers. Opset 17 (+ com.microsoft for
 * MatMulNBits), the level onnxruntime-node and onnxruntime-web both load.
 */
import onnxProto from 'onnx-proto';
import type { FloatTensor } from '../model/safetensors.ts';

const { onnx } = onnxProto;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;

export const OPSET = 17;
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;

export type Quantization = 'fp32' | 'int8' | 'int4';
export const QUANTIZATIONS: readonly Quantization[] = ['fp32', 'int8', 'int4'];

/** A symbolic (string) or fixed (number) dimension. */
export type Dim = string | number;
/** Attribute values; `{ float: v }` forces a FLOAT attribute whose value happens to be whole (e.g. Gemm's beta = 1). */
export type AttrValue = number | number[] | string | { float: number };

/** Block size of 4-bit weights (MatMulNBits), along the input dimension. */
export const INT4_BLOCK = 32;

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inits: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly consts = new Map<string, string>();
  private count = 0;
  private usesMicrosoft = false;

  constructor(readonly name: string) {}

  private fresh(hint: string): string {
    return `${hint}_${this.count++}`;
  }

  input(name: string, dims: readonly Dim[], type: number = FLOAT): string {
    this.inputs.push(valueInfo(name, dims, type));
    return name;
  }

  /** Declares `value` as a graph output called `name`. */
  output(name: string, value: string, dims: readonly Dim[], type: number = FLOAT): void {
    this.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [value], output: [name], name: `out_${name}` }));
    this.outputs.push(valueInfo(name, dims, type));
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, domain = ''): string {
    return this.opN(opType, inputs, 1, attrs, domain)[0]!;
  }

  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, AttrValue> = {}, domain = ''): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(opType));
    if (domain === 'com.microsoft') this.usesMicrosoft = true;
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        domain,
        input: inputs,
        output: out,
        name: out[0],
        attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
      }),
    );
    return out;
  }

  float(name: string, dims: readonly number[], data: Float32Array): string {
    this.inits.push(onnx.TensorProto.create({ name, dims: [...dims], dataType: FLOAT, rawData: bytesOf(data) }));
    return name;
  }

  private raw(name: string, dims: readonly number[], dataType: number, data: Uint8Array): string {
    this.inits.push(onnx.TensorProto.create({ name, dims: [...dims], dataType, rawData: data }));
    return name;
  }

  /** A float scalar constant (deduplicated). */
  scalar(v: number): string {
    const key = `f${v}`;
    let name = this.consts.get(key);
    if (!name) {
      name = this.float(this.fresh('c'), [], new Float32Array([v]));
      this.consts.set(key, name);
    }
    return name;
  }

  /** An int64 vector constant (shapes, axes, split sizes). */
  ints(values: readonly number[]): string {
    const key = `i${values.join(',')}`;
    let name = this.consts.get(key);
    if (!name) {
      name = this.fresh('i');
      this.inits.push(onnx.TensorProto.create({ name, dims: [values.length], dataType: INT64, int64Data: [...values] }));
      this.consts.set(key, name);
    }
    return name;
  }

  /**
   * y = x W^T + b for a PyTorch Linear weight W [out, in], with the weight stored as chosen:
   * fp32; int8 per-output-channel symmetric (DequantizeLinear -> MatMul); or 4-bit blocks of
   * INT4_BLOCK along the input (com.microsoft MatMulNBits, zero point 8).
   */
  linear(x: string, prefix: string, w: FloatTensor, b: FloatTensor | undefined, quant: Quantization): string {
    const [out, inp] = w.dims as [number, number];
    let y: string;
    if (quant === 'int4') {
      const q = quantizeInt4(w.data, out, inp);
      const nb = Math.ceil(inp / INT4_BLOCK);
      const qw = this.raw(`${prefix}.weight_q4`, [out, nb, INT4_BLOCK / 2], onnx.TensorProto.DataType.UINT8, q.packed);
      const sc = this.float(`${prefix}.weight_scale`, [out * nb], q.scales);
      y = this.op('MatMulNBits', [x, qw, sc], { K: inp, N: out, bits: 4, block_size: INT4_BLOCK }, 'com.microsoft');
    } else {
      const wt = transpose2d(w.data, out, inp); // [in, out]
      let weight: string;
      if (quant === 'int8') {
        const q = quantizeInt8Columns(wt, inp, out);
        const qw = this.raw(`${prefix}.weight_q8`, [inp, out], onnx.TensorProto.DataType.INT8, new Uint8Array(q.values.buffer));
        const sc = this.float(`${prefix}.weight_scale`, [out], q.scales);
        weight = this.op('DequantizeLinear', [qw, sc], { axis: 1 });
      } else {
        weight = this.float(`${prefix}.weight_t`, [inp, out], wt);
      }
      y = this.op('MatMul', [x, weight]);
    }
    return b ? this.op('Add', [y, this.float(`${prefix}.bias`, [out], b.data)]) : y;
  }

  /**
   * LayerNorm over the last axis. Without `affine` the scale is 1 and the bias 0, as Open-Sora's
   * norm1/norm2/norm_final (elementwise_affine=False).
   */
  layerNorm(x: string, channels: number, eps: number, affine?: { weight: string; bias: string }): string {
    const scale = affine?.weight ?? this.constVector('ln_one', channels, 1);
    const bias = affine?.bias ?? this.constVector('ln_zero', channels, 0);
    return this.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: eps });
  }

  private constVector(hint: string, n: number, v: number): string {
    const key = `${hint}${n}`;
    let name = this.consts.get(key);
    if (!name) {
      name = this.float(this.fresh(hint), [n], new Float32Array(n).fill(v));
      this.consts.set(key, name);
    }
    return name;
  }

  /** GELU with the tanh approximation, spelled out (opset 17 has no Gelu). */
  geluTanh(x: string): string {
    const x3 = this.op('Mul', [this.op('Mul', [x, x]), x]);
    const inner = this.op('Mul', [this.op('Add', [x, this.op('Mul', [x3, this.scalar(0.044715)])]), this.scalar(Math.sqrt(2 / Math.PI))]);
    return this.op('Mul', [this.op('Mul', [x, this.scalar(0.5)]), this.op('Add', [this.op('Tanh', [inner]), this.scalar(1)])]);
  }

  silu(x: string): string {
    return this.op('Mul', [x, this.op('Sigmoid', [x])]);
  }

  /** Slices [start, end) of `axis`. */
  slice(x: string, axis: number, start: number, end: number): string {
    return this.op('Slice', [x, this.ints([start]), this.ints([end]), this.ints([axis])]);
  }

  reshape(x: string, shape: string): string {
    return this.op('Reshape', [x, shape]);
  }

  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm });
  }

  toBytes(): Uint8Array {
    const opsetImport = [{ domain: '', version: OPSET }];
    if (this.usesMicrosoft) opsetImport.push({ domain: 'com.microsoft', version: 1 });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'adacache-studio',
      opsetImport,
      graph: { name: this.name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, dims: readonly Dim[], elemType: number): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}

function attribute(name: string, v: AttrValue) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v });
  if (typeof v === 'object') return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.float });
  // Only epsilon-like attributes are floats here; everything else is an int.
  if (name === 'epsilon' || name === 'alpha' || !Number.isInteger(v)) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v });
  return onnx.AttributeProto.create({ name, type: T.INT, i: v });
}

function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j]!;
  return out;
}

/** Symmetric int8 per column of wt [rows, cols]: w = q * scale[col], q in [-127, 127]. */
export function quantizeInt8Columns(wt: Float32Array, rows: number, cols: number): { values: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(cols);
  for (let j = 0; j < cols; j++) {
    let m = 0;
    for (let i = 0; i < rows; i++) m = Math.max(m, Math.abs(wt[i * cols + j]!));
    scales[j] = m > 0 ? m / 127 : 1;
  }
  const values = new Int8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) values[i * cols + j] = Math.max(-127, Math.min(127, Math.round(wt[i * cols + j]! / scales[j]!)));
  }
  return { values, scales };
}

/**
 * 4-bit blocks for MatMulNBits from w [out, in]: per output row n and block b of INT4_BLOCK inputs,
 * w = (q - 8) * scale with q in [0, 15]; two values a byte, the lower index in the low nibble.
 * Inputs past `inp` (the last block's padding) are zero.
 */
export function quantizeInt4(w: Float32Array, out: number, inp: number): { packed: Uint8Array; scales: Float32Array } {
  const nb = Math.ceil(inp / INT4_BLOCK);
  const packed = new Uint8Array(out * nb * (INT4_BLOCK / 2));
  const scales = new Float32Array(out * nb);
  for (let n = 0; n < out; n++) {
    for (let b = 0; b < nb; b++) {
      let m = 0;
      for (let k = b * INT4_BLOCK; k < Math.min(inp, (b + 1) * INT4_BLOCK); k++) m = Math.max(m, Math.abs(w[n * inp + k]!));
      const scale = m > 0 ? m / 7 : 1;
      scales[n * nb + b] = scale;
      for (let k = 0; k < INT4_BLOCK; k++) {
        const idx = b * INT4_BLOCK + k;
        const v = idx < inp ? w[n * inp + idx]! : 0;
        const q = Math.max(0, Math.min(15, Math.round(v / scale) + 8));
        const byte = (n * nb + b) * (INT4_BLOCK / 2) + (k >> 1);
        packed[byte] = packed[byte]! | (k & 1 ? q << 4 : q);
      }
    }
  }
  return { packed, scales };
}
