/**
 * The `sample` and `calibrate` commands end to end: the reference checkpoint converted by the CLI,
 * an official run replayed from sampling.safetensors, a codebook calibrated into the package.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as decodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePngFrames } from '../src/cli/commands/sample.ts';
import { parseSafetensors, readFloat } from '../src/model/safetensors.ts';
import { decodeLatent } from '../src/video/decode.ts';
import { psnr, ssim } from '../src/video/metrics.ts';
import { cli } from './cliRun.ts';
import { maxRelError, REFERENCE_DIR, referenceTensors } from './reference.ts';


describe('CLI sample + calibrate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adacache-sample-'));
  const pkg = join(dir, 'pkg');
  const ref = join(REFERENCE_DIR, 'sampling.safetensors');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    const conv = await cli('convert', '--weights', join(REFERENCE_DIR, 'weights.safetensors'), '--config', join(REFERENCE_DIR, 'config.json'), '--out', pkg);
    expect(conv.code).toBe(0);
  }, 60_000);

  it('replays the official AdaCache fast + MoReg run from sampling.safetensors', async () => {
    const out = join(dir, 'moreg');
    const r = await cli(
      'sample', '--model', pkg, '--noise', ref, '--caption-embeddings', ref, '--steps', '30', '--cfg', '7',
      '--height', '64', '--width', '64', '--num-frames', '17', '--fps', '24',
      '--policy', 'adacache', '--codebook', 'fast', '--moreg', '--probe-block', '1', '--out', out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const golden = JSON.parse(readFileSync(join(REFERENCE_DIR, 'sampling.json'), 'utf8'));
    const trace = JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8'));
    expect(trace.recomputed_steps).toEqual(golden.runs.adacache_fast_moreg.recomputed_steps);
    expect(trace.records).toHaveLength(30);
    const z = readFloat(parseSafetensors(new Uint8Array(readFileSync(join(out, 'latent.safetensors')))), 'z');
    expect(z.dims).toEqual([1, 4, 4, 8, 8]);
    expect(maxRelError(z.data, referenceTensors('sampling').get('z_final.adacache_fast_moreg')!.data)).toBeLessThan(1e-3);
  }, 60_000);

  it('calibrates a named codebook into the package and samples with it', async () => {
    const cal = await cli('calibrate', '--model', pkg, '--caption-embeddings', ref, '--target', '2', '--name', 'mine', '--steps', '30');
    expect(cal.code).toBe(0);
    const saved = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8')).codebooks.mine as [number, number][];
    expect(saved.map((e) => e[1])).toEqual([6, 5, 4, 3, 2, 1]);
    const predicted = Number(/predicted ([0-9.]+)x/.exec(cal.stdout)![1]);
    expect(predicted).toBeGreaterThanOrEqual(2);
    const out = join(dir, 'mine');
    const r = await cli('sample', '--model', pkg, '--caption-embeddings', ref, '--steps', '30', '--policy', 'adacache', '--codebook', 'mine', '--out', out);
    expect(r.code).toBe(0);
    const trace = JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8'));
    expect(30 / trace.recomputed_steps.length).toBeCloseTo(predicted, 1);
  }, 60_000);

  it('compares two samples (video PSNR and SSIM through the package decoder)', async () => {
    const r = await cli('compare', '--model', pkg, '--a', join(dir, 'mine'), '--b', join(dir, 'moreg'));
    expect(r.code).toBe(0);
    const video = (d: string) => {
      const z = readFloat(parseSafetensors(new Uint8Array(readFileSync(join(dir, d, 'latent.safetensors')))), 'z');
      return decodeLatent(z.data, z.dims, { kind: 'none', upscale: 1 }, 24);
    };
    const m = /PSNR ([0-9.]+) dB, SSIM ([0-9.]+)/.exec(r.stdout)!;
    expect(Number(m[1])).toBeCloseTo(psnr(video('mine'), video('moreg')), 2);
    expect(Number(m[2])).toBeCloseTo(ssim(video('mine'), video('moreg')), 4);
    const same = await cli('compare', '--model', pkg, '--a', join(dir, 'mine'), '--b', join(dir, 'mine'));
    expect(same.stdout).toMatch(/PSNR Infinity dB, SSIM 1\.0000/);
    const missing = await cli('compare', '--model', pkg, '--a', join(dir, 'mine'), '--b', join(dir, 'nothing'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nothing\/latent.safetensors does not exist/);
  }, 60_000);

  it('explains bad flags', async () => {
    const a = await cli('sample', '--model', pkg, '--out', join(dir, 'x'), '--prompt', 'a cat');
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/no text encoder: pass caption embeddings/);
    const b = await cli('sample', '--model', pkg, '--out', join(dir, 'x'), '--caption-embeddings', ref, '--policy', 'pab');
    expect(b.stderr).toMatch(/--policy must be one of none, adacache, static, teacache/);
    const c = await cli('calibrate', '--model', pkg, '--target', '2', '--name', 'fast', '--caption-embeddings', ref);
    expect(c.stderr).toMatch(/not a built-in/);
  }, 60_000);
});

describe('PNG frames', () => {
  it('writes one RGBA PNG a frame, enlarged, with the decoded colours', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adacache-png-'));
    try {
      // 2 frames of 1x2 pixels: red/green, then blue/grey.
      const rgb = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5, 0.5, 0.5);
      expect(writePngFrames({ frames: 2, height: 1, width: 2, fps: 8, rgb }, dir, 3)).toBe(2);
      const png = decodePng(readFileSync(join(dir, 'frame_001.png')));
      expect([png.width, png.height, png.channels]).toEqual([6, 3, 4]);
      expect(Array.from(png.data.slice(0, 4))).toEqual([0, 0, 255, 255]);
      expect(Array.from(png.data.slice(12, 16))).toEqual([128, 128, 128, 255]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
