import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTextEncoderGraph, type NamedTensor } from '../convert/textEncoderGraph.ts';
import type { ModelManifest } from '../model/manifest.ts';
import { createNodeBackend } from './nodeBackend.ts';
import { encodePrompt, loadTextEncoder, UnknownWordsError } from './textEncoder.ts';

// training/make_text_fixture.py: a tiny text encoder, its weights and PyTorch outputs for two id rows.
const fx = JSON.parse(fs.readFileSync('training/fixtures/text_encoder_tiny.json', 'utf8')) as {
  config: { vocab_size: number; max_length: number; dim: number; layers: number; heads: number };
  ids: number[][];
  out: number[];
  weights: Record<string, { dims: number[]; data: number[] }>;
};
const weights: Record<string, NamedTensor> = Object.fromEntries(Object.entries(fx.weights).map(([k, v]) => [k, { dims: v.dims, data: Float32Array.from(v.data) }]));

/** A word-level tokenizer.json like training/export.py writes: word i has id i. */
const words = ['[PAD]', '[UNK]', 'red', 'blue', 'circle', 'square', 'moving', 'up', 'down', 'left', 'right'];
const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: words.slice(0, 2).map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
  normalizer: { type: 'Lowercase' },
  pre_tokenizer: { type: 'WhitespaceSplit' },
  post_processor: null,
  decoder: null,
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(words.map((w, i) => [w, i])) },
};
const manifest = { name: 'text-test', config: { model_max_length: fx.config.max_length, caption_channels: fx.config.dim } } as unknown as ModelManifest;

describe('prompt encoding (grammar text encoder)', () => {
  it('tokenizes, pads with a mask and runs text.onnx like the PyTorch encoder', async () => {
    const backend = await createNodeBackend({ threads: 1 });
    const te = await loadTextEncoder(manifest, { text_encoder: buildTextEncoderGraph(fx.config, weights), tokenizer: new TextEncoder().encode(JSON.stringify(tokenizer)) }, backend);
    // Fixture row 1 has ids [3, 4, 9, 10, 8, 6], all valid.
    const prompt = fx.ids[1]!.map((i) => words[i]).join(' ').toUpperCase();
    const cap = await encodePrompt(te, prompt);
    expect(Array.from(cap.mask)).toEqual([1, 1, 1, 1, 1, 1]);
    const L = fx.config.max_length;
    const D = fx.config.dim;
    const want = fx.out.slice(L * D, 2 * L * D);
    const err = Math.max(...Array.from(cap.y, (v, i) => Math.abs(v - want[i]!)));
    expect(err).toBeLessThan(1e-4);
    const short = await encodePrompt(te, 'red circle');
    expect(Array.from(short.mask)).toEqual([1, 1, 0, 0, 0, 0]);
    await expect(encodePrompt(te, 'a red zebra')).rejects.toThrow(UnknownWordsError);
    await expect(encodePrompt(te, 'a red zebra')).rejects.toThrow(/"a", "zebra"/);
    await te.release();
  });
});
