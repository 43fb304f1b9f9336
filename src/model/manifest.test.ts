import { describe, expect, it } from 'vitest';
import { BadPackageError, MANIFEST_FORMAT, parseManifest, parseStdit3Config } from './manifest.ts';

const sha = 'ab'.repeat(32);
const file = (path: string) => ({ path, bytes: 10, sha256: sha });

function valid(): Record<string, any> {
  return {
    format: MANIFEST_FORMAT,
    name: 'tiny',
    kind: 'stdit3',
    config: { hidden_size: 96, depth: 3, num_heads: 4, mlp_ratio: 4, patch_size: [1, 2, 2], in_channels: 4, pred_sigma: true, caption_channels: 32, model_max_length: 8, qk_norm: true, input_sq_size: 512 },
    quantization: 'int8',
    files: { embed: file('embed.onnx'), stack: file('stack.onnx'), final: file('final.onnx'), null_caption: file('null_caption.safetensors') },
    textEncoder: { kind: 'none' },
    decoder: { kind: 'none', upscale: 8 },
    sampling: { steps: 30, cfg: 7, height: 64, width: 64, numFrames: 17, fps: 24, latent: [4, 8, 8], useTimestepTransform: true, probeBlock: 1 },
    codebooks: { mine: [[0.1, 4], [0.2, 2]] },
  };
}

describe('manifest', () => {
  it('accepts a complete manifest and keeps every field', () => {
    const m = parseManifest(valid());
    expect(m.config.patch_size).toEqual([1, 2, 2]);
    expect(m.files.null_caption!.path).toBe('null_caption.safetensors');
    expect(m.sampling.probeBlock).toBe(1);
    expect(m.codebooks.mine).toEqual([[0.1, 4], [0.2, 2]]);
    const g = valid();
    g.textEncoder = { kind: 'grammar' };
    g.files.text_encoder = file('text.onnx');
    g.files.tokenizer = file('tokenizer.json');
    expect(parseManifest(g).files.tokenizer!.path).toBe('tokenizer.json');
  });

  it('names the field of every problem', () => {
    const cases: [(m: Record<string, any>) => unknown, RegExp][] = [
      [() => null, /must hold a JSON object/],
      [(m) => ((m.format = 'other@2'), m), /manifest\.format must be "adacache-studio\/model@1"/],
      [(m) => ((m.kind = 'dit'), m), /manifest\.kind must be "stdit3"/],
      [(m) => ((m.name = ''), m), /manifest\.name must be a non-empty string/],
      [(m) => (delete m.config.depth, m), /manifest\.config\.depth must be a positive integer, got undefined/],
      [(m) => ((m.config.num_heads = 5), m), /hidden_size 96 is not divisible by num_heads 5/],
      [(m) => ((m.config.patch_size = [1, 2]), m), /manifest\.config\.patch_size must be three positive integers/],
      [(m) => ((m.quantization = 'int2'), m), /manifest\.quantization must be fp32, int8 or int4/],
      [(m) => (delete m.files.stack, m), /manifest\.files\.stack needs a relative "path"/],
      [(m) => ((m.files.embed.path = '../etc/passwd'), m), /manifest\.files\.embed needs a relative "path"/],
      [(m) => ((m.files.final.sha256 = 'XYZ'), m), /manifest\.files\.final\.sha256 must be 64 lower-case hex digits/],
      [(m) => ((m.files.final.bytes = 0), m), /manifest\.files\.final\.bytes must be a positive integer/],
      [(m) => ((m.textEncoder = { kind: 't5' }), m), /manifest\.textEncoder\.kind must be "none" or "grammar"/],
      [(m) => ((m.textEncoder = { kind: 'grammar' }), m), /"grammar" text encoder needs files\.text_encoder and files\.tokenizer/],
      [(m) => ((m.decoder = { kind: 'vae', upscale: 8 }), m), /manifest\.decoder must be/],
      [(m) => ((m.decoder = { kind: 'pixels', upscale: 4 }), m), /temporalFold 1 needs in_channels 3/],
      [(m) => ((m.decoder = { kind: 'pixels', upscale: 4, temporalFold: 0 }), m), /temporalFold must be a positive integer/],
      [(m) => ((m.decoder = { kind: 'pixels', upscale: 4, temporalFold: 2 }), m), /temporalFold 2 needs in_channels 6/],
      [(m) => (delete m.sampling, m), /manifest\.sampling is missing/],
      [(m) => ((m.sampling.steps = 0), m), /manifest\.sampling\.steps must be a positive integer/],
      [(m) => ((m.sampling.cfg = -1), m), /manifest\.sampling\.cfg must be a number >= 0/],
      [(m) => ((m.sampling.latent = [4, 8]), m), /manifest\.sampling\.latent must be \[T, H, W\]/],
      [(m) => ((m.sampling.probeBlock = 3), m), /manifest\.sampling\.probeBlock must be a temporal block index in 0\.\.2/],
      [(m) => ((m.codebooks.mine = [[0.2, 4], [0.1, 2]]), m), /manifest\.codebooks\.mine: thresholds must be strictly ascending/],
      [(m) => ((m.codebooks.mine = [[0.2, 1.5]]), m), /manifest\.codebooks\.mine\[0\] must be \[threshold, positive integer rate\]/],
    ];
    for (const [mutate, message] of cases) {
      const raw = mutate(valid());
      expect(() => parseManifest(raw), String(message)).toThrow(BadPackageError);
      expect(() => parseManifest(raw), String(message)).toThrow(message);
    }
  });

  it('fills Open-Sora defaults in a config and refuses odd head dimensions', () => {
    const c = parseStdit3Config({ hidden_size: 64, depth: 2, num_heads: 2, in_channels: 4, caption_channels: 16, model_max_length: 6 });
    expect(c).toMatchObject({ patch_size: [1, 2, 2], mlp_ratio: 4, pred_sigma: true, qk_norm: true, input_sq_size: 512 });
    expect(() => parseStdit3Config({ ...c, hidden_size: 12, num_heads: 4 }, 'cfg.json')).toThrow(/cfg\.json: the head dimension must be even/);
    expect(() => parseStdit3Config('x', 'cfg.json')).toThrow(/cfg\.json must be a JSON object/);
  });
});
