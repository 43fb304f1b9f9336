import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../model/safetensors.ts';
import { TextEncoderGraphError, buildTextEncoderGraph, textEncoderFromExport, type NamedTensor } from './textEncoderGraph.ts';

interface Fixture {
  config: { vocab_size: number; max_length: number; dim: number; layers: number; heads: number };
  ids: number[][];
  mask: number[][];
  out: number[];
  weights: Record<string, { dims: number[]; data: number[] }>;
}

// Made by training/make_text_fixture.py from training/text_encoder.py (PyTorch).
const fx = JSON.parse(fs.readFileSync('training/fixtures/text_encoder_tiny.json', 'utf8')) as Fixture;
const weights: Record<string, NamedTensor> = Object.fromEntries(
  Object.entries(fx.weights).map(([k, v]) => [k, { dims: v.dims, data: Float32Array.from(v.data) }]),
);

describe('text encoder graph', () => {
  it('matches PyTorch on the valid tokens', async () => {
    const bytes = buildTextEncoderGraph(fx.config, weights);
    const session = await ort.InferenceSession.create(bytes);
    const B = fx.ids.length;
    const L = fx.config.max_length;
    const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [B, L]);
    const res = await session.run({ input_ids: i64(fx.ids), attention_mask: i64(fx.mask) });
    const out = res.text_embeds!.data as Float32Array;
    expect(res.text_embeds!.dims).toEqual([B, L, fx.config.dim]);
    let maxErr = 0;
    for (let b = 0; b < B; b++) {
      for (let l = 0; l < L; l++) {
        if (!fx.mask[b]![l]) continue;
        for (let c = 0; c < fx.config.dim; c++) {
          const i = (b * L + l) * fx.config.dim + c;
          maxErr = Math.max(maxErr, Math.abs(out[i]! - fx.out[i]!));
        }
      }
    }
    expect(maxErr).toBeLessThan(1e-4);
    await session.release();
  });

  it('names a missing or misshapen weight', () => {
    const { 'layers.1.fc2.bias': _drop, ...rest } = weights;
    expect(() => buildTextEncoderGraph(fx.config, rest)).toThrow(/missing text encoder weight layers.1.fc2.bias/);
    expect(() => buildTextEncoderGraph({ ...fx.config, dim: 12 }, weights)).toThrow(TextEncoderGraphError);
    expect(() => buildTextEncoderGraph({ ...fx.config, heads: 5 }, weights)).toThrow(/not divisible/);
  });
});

describe('text encoder from a training export', () => {
  const words = ['[PAD]', '[UNK]', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
  const tokenizer = new TextEncoder().encode(
    JSON.stringify({
      added_tokens: [{ content: '[PAD]' }, { content: '[UNK]' }],
      model: { type: 'WordPiece', vocab: Object.fromEntries(words.map((w, i) => [w, i])) },
    }),
  );
  const file = writeSafetensors(Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, { dims: [...v.dims], data: v.data }])));

  it('builds text.onnx and names the vocabulary without special tokens', async () => {
    const r = textEncoderFromExport({ weights: file, config: fx.config, tokenizer });
    expect(r.spec).toEqual({ kind: 'grammar', vocabulary: words.slice(2) });
    const session = await ort.InferenceSession.create(r.onnx);
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask']);
    await session.release();
  });

  it('rejects a tokenizer that does not fit the encoder', () => {
    const small = new TextEncoder().encode(JSON.stringify({ model: { vocab: { a: 0 } } }));
    expect(() => textEncoderFromExport({ weights: file, config: fx.config, tokenizer: small })).toThrow(/1 words, the text encoder 11/);
    expect(() => textEncoderFromExport({ weights: file, config: fx.config, tokenizer: new Uint8Array([1]) })).toThrow(/not JSON/);
  });
});
