/**
 * Prompt -> caption embeddings for packages whose textEncoder is "grammar": tokenizer.json through
 * @huggingface/tokenizers (lower-case whole words), ids padded with 0 / truncated to the model's
 * model_max_length, then text.onnx (input_ids, attention_mask int64 [1, L] -> text_embeds
 * [1, L, caption_channels]). Words the vocabulary lacks are an error, not a silent [UNK].
 */
import { Tokenizer } from '@huggingface/tokenizers';
import type { FileRole, ModelManifest } from '../model/manifest.ts';
import type { CaptionInput } from './api.ts';
import type { Backend, ModelSession } from './backend.ts';

export class UnknownWordsError extends Error {
  override name = 'UnknownWordsError';
  constructor(readonly words: string[]) {
    super(`the model does not know ${words.length === 1 ? 'the word' : 'the words'} ${words.map((w) => `"${w}"`).join(', ')}`);
  }
}

export class TextEncoderError extends Error {
  override name = 'TextEncoderError';
}

export interface TextEncoder {
  tokenizer: Tokenizer;
  session: ModelSession;
  backend: Backend;
  length: number;
  channels: number;
  unkId: number | undefined;
  release(): Promise<void>;
}

export async function loadTextEncoder(m: ModelManifest, files: Partial<Record<FileRole, Uint8Array>>, backend: Backend): Promise<TextEncoder> {
  const onnx = files.text_encoder;
  const tok = files.tokenizer;
  if (!onnx || !tok) throw new TextEncoderError(`package ${m.name} declares a text encoder but text.onnx or tokenizer.json was not loaded`);
  let json: { model?: { unk_token?: string; vocab?: Record<string, number> } };
  try {
    json = JSON.parse(new TextDecoder().decode(tok));
  } catch (e) {
    throw new TextEncoderError(`tokenizer.json is not valid JSON: ${(e as Error).message}`);
  }
  const tokenizer = new Tokenizer(json, {});
  const unk = json.model?.unk_token;
  const session = await backend.createSession(onnx, `${m.name}/text.onnx`);
  return {
    tokenizer,
    session,
    backend,
    length: m.config.model_max_length,
    channels: m.config.caption_channels,
    unkId: unk !== undefined ? json.model?.vocab?.[unk] : undefined,
    release: () => session.release(),
  };
}

export async function encodePrompt(te: TextEncoder, prompt: string): Promise<CaptionInput> {
  const enc = te.tokenizer.encode(prompt);
  const unknown = enc.tokens.filter((_, i) => enc.ids[i] === te.unkId);
  if (unknown.length > 0) {
    // The tokens of unknown words are [UNK]; name the words themselves.
    const words = prompt.toLowerCase().split(/\s+/).filter(Boolean);
    const bad = words.filter((w) => te.tokenizer.encode(w).ids.includes(te.unkId!));
    throw new UnknownWordsError(bad.length ? bad : unknown);
  }
  const L = te.length;
  const ids = new BigInt64Array(L);
  const mask = new BigInt64Array(L);
  const n = Math.min(L, enc.ids.length);
  if (n === 0) throw new TextEncoderError('the prompt has no words');
  for (let i = 0; i < n; i++) {
    ids[i] = BigInt(enc.ids[i]!);
    mask[i] = 1n;
  }
  const out = await te.session.run({ input_ids: { dims: [1, L], data: ids }, attention_mask: { dims: [1, L], data: mask } });
  const t = out.text_embeds;
  if (!t) throw new TextEncoderError('text.onnx has no text_embeds output');
  const y = Float32Array.from(await te.backend.download(t));
  te.backend.release(t);
  if (y.length !== L * te.channels) throw new TextEncoderError(`text_embeds has ${y.length} values, expected ${L * te.channels}`);
  return { y, mask: Array.from(mask, Number) };
}
