import { describe, expect, it } from 'vitest';
import { createNodeBackend, SessionError } from '../engine/nodeBackend.ts';
import { cpuTensorOps } from '../kernels/cpuOps.ts';
import { GraphBuilder, INT4_BLOCK, quantizeInt4, quantizeInt8Columns, transpose2d, type Quantization } from './onnxGraph.ts';

/** Deterministic values in [-1, 1). */
const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233) % 1);

/** x [rows, in] times W^T for W [out, in], plus b, in float64. */
function linearRef(x: Float32Array, w: Float32Array, b: Float32Array, rows: number, inp: number, out: number): Float32Array {
  const y = new Float32Array(rows * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      let s = b[o]!;
      for (let k = 0; k < inp; k++) s += x[r * inp + k]! * w[o * inp + k]!;
      y[r * out + o] = s;
    }
  }
  return y;
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('GraphBuilder on onnxruntime-node', () => {
  // 40 inputs: not a multiple of the int4 block, so the padded last block is exercised too.
  const rows = 3, inp = 40, out = 6;
  const x = rand(rows * inp, 1);
  const w = rand(out * inp, 2);
  const b = rand(out, 3);
  const want = linearRef(x, w, b, rows, inp, out);

  async function runLinear(quant: Quantization): Promise<Float32Array> {
    const g = new GraphBuilder(`linear_${quant}`);
    g.output('y', g.linear(g.input('x', ['rows', inp]), 'lin', { dims: [out, inp], data: w }, { dims: [out], data: b }, quant), ['rows', out]);
    const backend = await createNodeBackend();
    const s = await backend.createSession(g.toBytes(), `linear ${quant}`);
    const r = await s.run({ x: backend.upload(x, [rows, inp]) });
    await s.release();
    return backend.download(r.y!);
  }

  it('linear matches x W^T + b: fp32 exactly, int8 and int4 within their quantization step', async () => {
    expect(maxDiff(await runLinear('fp32'), want)).toBeLessThan(1e-5);
    // Per-output-channel int8: each weight is off by at most scale/2 = max|w_o|/254.
    const int8Bound = (inp * maxAbs(x) * maxAbs(w)) / 254;
    const e8 = maxDiff(await runLinear('int8'), want);
    expect(e8).toBeGreaterThan(0);
    expect(e8).toBeLessThan(int8Bound);
    // int4 blocks: each weight is off by at most max|w_block|/14.
    const e4 = maxDiff(await runLinear('int4'), want);
    expect(e4).toBeGreaterThan(e8);
    expect(e4).toBeLessThan((inp * maxAbs(x) * maxAbs(w)) / 14);
  });

  it('quantizers round-trip to within half a step', () => {
    const wt = transpose2d(w, out, inp);
    const q8 = quantizeInt8Columns(wt, inp, out);
    for (let i = 0; i < inp; i++) for (let o = 0; o < out; o++) expect(Math.abs(q8.values[i * out + o]! * q8.scales[o]! - w[o * inp + i]!)).toBeLessThanOrEqual(q8.scales[o]! / 2 + 1e-7);
    const q4 = quantizeInt4(w, out, inp);
    const nb = Math.ceil(inp / INT4_BLOCK);
    for (let o = 0; o < out; o++) {
      for (let k = 0; k < nb * INT4_BLOCK; k++) {
        const byte = q4.packed[(o * nb + (k >> 5)) * (INT4_BLOCK / 2) + ((k % INT4_BLOCK) >> 1)]!;
        const q = k & 1 ? byte >> 4 : byte & 15;
        const scale = q4.scales[o * nb + (k >> 5)]!;
        const v = k < inp ? w[o * inp + k]! : 0;
        expect(Math.abs((q - 8) * scale - v)).toBeLessThanOrEqual(scale / 2 + 1e-7);
      }
    }
  });

  it('layerNorm, geluTanh, silu and slice agree with their formulas; float attributes can be whole numbers', async () => {
    const C = 8;
    const v = rand(2 * C, 4).map((t) => t * 3);
    const g = new GraphBuilder('misc');
    const xin = g.input('x', [2, C]);
    g.output('ln', g.layerNorm(xin, C, 1e-6), [2, C]);
    g.output('gelu', g.geluTanh(xin), [2, C]);
    g.output('silu', g.silu(xin), [2, C]);
    g.output('tail', g.slice(xin, 1, 2, 5), [2, 3]);
    // Gemm with an explicit FLOAT alpha of 2 (an int attribute would be refused by ORT).
    const eye = new Float32Array(C * C).map((_, i) => (i % (C + 1) === 0 ? 1 : 0));
    g.output('gemm', g.op('Gemm', [xin, g.float('eye', [C, C], eye)], { alpha: { float: 2 }, beta: { float: 1 } }), [2, C]);
    const backend = await createNodeBackend();
    const s = await backend.createSession(g.toBytes(), 'misc');
    const r = await s.run({ x: backend.upload(v, [2, C]) });
    const got = async (n: string) => backend.download(r[n]!);
    const ln = new Float32Array(2 * C);
    for (let row = 0; row < 2; row++) {
      const xs = v.subarray(row * C, (row + 1) * C);
      const mean = xs.reduce((a, t) => a + t, 0) / C;
      const variance = xs.reduce((a, t) => a + (t - mean) ** 2, 0) / C;
      xs.forEach((t, i) => (ln[row * C + i] = (t - mean) / Math.sqrt(variance + 1e-6)));
    }
    expect(maxDiff(await got('ln'), ln)).toBeLessThan(1e-5);
    expect(maxDiff(await got('gelu'), v.map((t) => 0.5 * t * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (t + 0.044715 * t ** 3)))))).toBeLessThan(1e-5);
    expect(maxDiff(await got('silu'), v.map((t) => t / (1 + Math.exp(-t))))).toBeLessThan(1e-5);
    expect([...(await got('tail'))]).toEqual([...v.subarray(2, 5), ...v.subarray(C + 2, C + 5)]);
    expect(maxDiff(await got('gemm'), v.map((t) => 2 * t))).toBeLessThan(1e-6);
    await s.release();
  });
});

describe('Node backend', () => {
  it('uses the kernel twins and names the graph that fails', async () => {
    const backend = await createNodeBackend();
    expect(backend.kind).toBe('node');
    expect(backend.ops).toBe(cpuTensorOps);
    await expect(backend.createSession(new Uint8Array([1, 2, 3]), 'stack.onnx')).rejects.toThrow(/could not load stack\.onnx/);
    const g = new GraphBuilder('add');
    g.output('y', g.op('Add', [g.input('a', [2]), g.input('b', [2])]), [2]);
    const s = await backend.createSession(g.toBytes(), 'add');
    expect(s.inputNames).toEqual(['a', 'b']);
    const sum = await s.run({ a: backend.upload(new Float32Array([1, 2]), [2]), b: backend.upload(new Float32Array([3, 4]), [2]) }).then((r) => backend.download(r.y!));
    expect([...sum]).toEqual([4, 6]);
    await expect(s.run({ a: backend.upload(new Float32Array(3), [3]), b: backend.upload(new Float32Array(2), [2]) })).rejects.toThrow(SessionError);
    await expect(s.run({ a: { dims: [2], location: 'gpu' }, b: backend.upload(new Float32Array(2), [2]) })).rejects.toThrow(/input a is not a host tensor/);
    const ab = { a: backend.upload(new Float32Array([1, 2]), [2]), b: backend.upload(new Float32Array([3, 4]), [2]) };
    expect(Object.keys(await s.run(ab, ['y']))).toEqual(['y']);
    await expect(s.run(ab, ['z'])).rejects.toThrow(/add: no output z; it has y/);
    await expect(s.run(ab, [])).rejects.toThrow(/no output \(none asked\)/);
    await s.release();
  });
});
