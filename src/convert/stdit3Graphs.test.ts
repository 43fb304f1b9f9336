import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { maxRelError, referenceConfig, referenceTensors } from '../../test/reference.ts';
import type { Stdit3Config } from '../model/manifest.ts';
import type { FloatTensor } from '../model/safetensors.ts';
import { positionEmbedding, ropeTables, tokenGrid } from '../engine/stdit3Inputs.ts';
import { buildStdit3Graphs, CheckpointError, expectedParameters, type Stdit3Graphs } from './stdit3Graphs.ts';
import type { Quantization } from './onnxGraph.ts';
import { cpuAdd, cpuAxpy, cpuGuidance, hostTensor } from '../kernels/cpuOps.ts';

const f32 = (d: Float32Array, dims: readonly number[]) => new ort.Tensor('float32', d, [...dims]);

/** Runs embed -> stack -> final on one set of inputs and returns every output by name. */
async function runGraphs(
  c: Stdit3Config,
  g: Stdit3Graphs,
  inp: { x: FloatTensor; timestep: Float32Array; fps: Float32Array; y: FloatTensor; mask: Float32Array; height: number; width: number },
  probeBlock: number,
): Promise<Record<string, Float32Array>> {
  const [, , T, H, W] = inp.x.dims as number[];
  const grid = tokenGrid(c, [T!, H!, W!]);
  const B = inp.x.dims[0]!;
  const N = grid.T * grid.Hp * grid.Wp;
  const hd = c.hidden_size / c.num_heads;
  const rope = ropeTables(c, grid.T);
  const gridT = new ort.Tensor('int64', BigInt64Array.from([grid.T, grid.Hp, grid.Wp].map(BigInt)), [3]);
  const [embed, stack, final] = await Promise.all([g.embed, g.stack, g.final].map((b) => ort.InferenceSession.create(b)));
  const e = await embed!.run({
    x: f32(inp.x.data, inp.x.dims),
    timestep: f32(inp.timestep, [B]),
    fps: f32(inp.fps, [B]),
    y: f32(inp.y.data, inp.y.dims),
    pos_emb: f32(positionEmbedding(c, grid, inp.height, inp.width), [N, c.hidden_size]),
    grid: gridT,
  });
  const onehot = new Float32Array(c.depth);
  onehot[probeBlock] = 1;
  const s = await stack!.run({
    h: e.h!,
    t_mlp: e.t_mlp!,
    y_emb: e.y_emb!,
    mask: f32(inp.mask, [B, c.model_max_length]),
    probe_onehot: f32(onehot, [c.depth]),
    grid: gridT,
    rope_cos: f32(rope.cos, [grid.T, hd]),
    rope_sin: f32(rope.sin, [grid.T, hd]),
  });
  const size = new ort.Tensor('int64', BigInt64Array.from([T!, H!, W!].map(BigInt)), [3]);
  const fo = await final!.run({ h: s.h_out!, t_emb: e.t_emb!, grid: gridT, size });
  const out: Record<string, Float32Array> = {};
  for (const o of [e, s, fo]) for (const [k, v] of Object.entries(o)) out[k] = v.data as Float32Array;
  await Promise.all([embed!, stack!, final!].map((x) => x.release()));
  return out;
}

describe('STDiT3 graphs vs the official forward pass', () => {
  const c = referenceConfig();
  const weights = referenceTensors('weights');
  const fwd = referenceTensors('forward');
  const inputs = {
    x: fwd.get('x')!,
    timestep: fwd.get('timestep')!.data,
    fps: fwd.get('fps')!.data,
    y: fwd.get('y')!,
    mask: fwd.get('mask')!.data,
    height: fwd.get('height')!.data[0]!,
    width: fwd.get('width')!.data[0]!,
  };
  const outputs = new Map<Quantization, Record<string, Float32Array>>();

  beforeAll(async () => {
    for (const quant of ['fp32', 'int8', 'int4'] as const) {
      outputs.set(quant, await runGraphs(c, buildStdit3Graphs(c, weights, { quant, debug: true }), inputs, 1));
    }
  });

  it('fp32: the model output matches within 1e-4 (max|a-b|/max|b|)', () => {
    expect(maxRelError(outputs.get('fp32')!.out!, fwd.get('out')!.data)).toBeLessThan(1e-4);
  });

  it('fp32: every intermediate matches within 1e-4, so a mismatch names its layer', () => {
    const o = outputs.get('fp32')!;
    const pairs: [string, string][] = [
      ['h', 'x_embedded'],
      ['ref.t_emb', 't_emb'],
      ['ref.fps_emb', 'fps_emb'],
      ['t_mlp', 't_mlp'],
      ['ref.y_embedded', 'y_embedded'],
      ['probe', 'temporal_blocks.1.attn_res'],
      ['ref.final_layer.out', 'final_layer.out'],
    ];
    for (let n = 0; n < c.depth; n++) {
      for (const kind of ['spatial_blocks', 'temporal_blocks']) {
        pairs.push([`ref.${kind}.${n}.out`, `${kind}.${n}.out`], [`ref.${kind}.${n}.attn_res`, `${kind}.${n}.attn_res`]);
      }
    }
    for (const [ours, ref] of pairs) {
      expect(o[ours], ours).toBeDefined();
      expect(maxRelError(o[ours]!, fwd.get(ref)!.data), ref).toBeLessThan(1e-4);
    }
  });

  // Measured on these random weights: int8 1.2e-2, int4 1.4e-1 (random weights are the worst case
  // for per-channel scales; the trained model's PSNR is measured by the benchmarks).
  it('int8 stays within 3e-2 and int4 within 0.25 of the official output', () => {
    expect(maxRelError(outputs.get('int8')!.out!, fwd.get('out')!.data)).toBeLessThan(3e-2);
    expect(maxRelError(outputs.get('int4')!.out!, fwd.get('out')!.data)).toBeLessThan(0.25);
  });
});

/** Deterministic pseudo-random weights for a config the reference does not cover. */
function randomWeights(c: Stdit3Config, seed: number): Map<string, FloatTensor> {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.2;
  return new Map([...expectedParameters(c)].map(([k, dims]) => [k, { dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, rnd) }]));
}

describe('STDiT3 graphs at another config', () => {
  const c: Stdit3Config = {
    hidden_size: 64,
    depth: 2,
    num_heads: 2,
    mlp_ratio: 2,
    patch_size: [2, 4, 4],
    in_channels: 3,
    pred_sigma: false,
    caption_channels: 16,
    model_max_length: 6,
    qk_norm: false,
    input_sq_size: 512,
  };
  const weights = randomWeights(c, 7);

  it('batch rows are independent, outputs have the unpatchified shape, and the probe follows the one-hot', async () => {
    const g = buildStdit3Graphs(c, weights, { quant: 'fp32', debug: true });
    const T = 4, H = 8, W = 12, B = 2;
    const rand = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k));
    const inp = {
      x: { dims: [B, 3, T, H, W], data: rand(B * 3 * T * H * W, 1) },
      timestep: new Float32Array([900, 250]),
      fps: new Float32Array([8, 8]),
      y: { dims: [B, 1, 6, 16], data: rand(B * 6 * 16, 2) },
      mask: new Float32Array([1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1]),
      height: 32,
      width: 48,
    };
    const both = await runGraphs(c, g, inp, 0);
    expect(both.out!.length).toBe(B * 3 * T * H * W);
    expect(both.out!.every(Number.isFinite)).toBe(true);
    const row = (t: FloatTensor, b: number) => ({ dims: [1, ...t.dims.slice(1)], data: t.data.slice((b * t.data.length) / B, ((b + 1) * t.data.length) / B) });
    const second = await runGraphs(
      c,
      g,
      { ...inp, x: row(inp.x, 1), y: row(inp.y, 1), timestep: inp.timestep.slice(1), fps: inp.fps.slice(1), mask: inp.mask.slice(6) },
      0,
    );
    expect(maxRelError(second.out!, both.out!.slice(both.out!.length / 2))).toBeLessThan(1e-5);
    expect(maxRelError(both.probe!, both['ref.temporal_blocks.0.attn_res']!)).toBe(0);
    const other = await runGraphs(c, g, inp, 1);
    expect(maxRelError(other.probe!, both['ref.temporal_blocks.1.attn_res']!)).toBe(0);
  });

  it('zero-pads a latent that is not a multiple of the patch and crops the output back, as Open-Sora does', async () => {
    const g = buildStdit3Graphs(c, weights, { quant: 'fp32' });
    const B = 1, C = 3, [T, H, W] = [3, 10, 13], [Tp, Hp, Wp] = [4, 12, 16];
    const small = Float32Array.from({ length: B * C * T * H * W }, (_, i) => Math.cos(i * 0.11));
    const big = new Float32Array(B * C * Tp * Hp * Wp);
    const at = (t: number, h: number, w: number, ch: number, [tt, hh, ww]: number[]) => ((ch * tt! + t) * hh! + h) * ww! + w;
    for (let ch = 0; ch < C; ch++) for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) big[at(t, h, w, ch, [Tp, Hp, Wp])] = small[at(t, h, w, ch, [T, H, W])]!;
    const common = { timestep: new Float32Array([500]), fps: new Float32Array([8]), y: { dims: [B, 1, 6, 16], data: Float32Array.from({ length: 96 }, (_, i) => Math.sin(i)) }, mask: new Float32Array([1, 1, 0, 0, 0, 0]), height: 80, width: 104 };
    const cropped = await runGraphs(c, g, { ...common, x: { dims: [B, C, T, H, W], data: small } }, 0);
    const full = await runGraphs(c, g, { ...common, x: { dims: [B, C, Tp, Hp, Wp], data: big } }, 0);
    expect(cropped.out!.length).toBe(small.length);
    const want = new Float32Array(small.length);
    for (let ch = 0; ch < C; ch++) for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) want[at(t, h, w, ch, [T, H, W])] = full.out![at(t, h, w, ch, [Tp, Hp, Wp])]!;
    expect(maxRelError(cropped.out!, want)).toBe(0);
    expect(maxRelError(cropped.h!, full.h!)).toBe(0);
  });

  it('the skip graph is embed, + residual, final, guidance and the Euler update in one run', async () => {
    const g = buildStdit3Graphs(c, weights, { quant: 'fp32' });
    const C = 3, [T, H, W] = [3, 10, 13];
    const grid = tokenGrid(c, [T, H, W]);
    const N = grid.T * grid.Hp * grid.Wp;
    const z = Float32Array.from({ length: C * T * H * W }, (_, i) => Math.cos(i * 0.07));
    const residual = Float32Array.from({ length: 2 * N * c.hidden_size }, (_, i) => 0.3 * Math.sin(i * 0.013));
    const y = { dims: [2, 1, 6, 16], data: Float32Array.from({ length: 192 }, (_, i) => Math.sin(i * 0.5)) };
    const [scale, dt, tFrac] = [Math.fround(4.5), Math.fround(-0.0321), Math.fround(0.7123)];
    const gridT = new ort.Tensor('int64', BigInt64Array.from([grid.T, grid.Hp, grid.Wp].map(BigInt)), [3]);
    const sizeT = new ort.Tensor('int64', BigInt64Array.from([T, H, W].map(BigInt)), [3]);
    const posEmb = f32(positionEmbedding(c, grid, 80, 104), [N, c.hidden_size]);
    const common = { pos_emb: posEmb, grid: gridT };
    const [t2, fps2] = [f32(Float32Array.of(700, 700), [2]), f32(Float32Array.of(8, 8), [2])];
    const [embed, final, skip] = await Promise.all([g.embed, g.final, g.skip].map((b) => ort.InferenceSession.create(b)));
    const xx = new Float32Array(2 * z.length);
    xx.set(z);
    xx.set(z, z.length);
    const e = await embed!.run({ ...common, timestep: t2, fps: fps2, x: f32(xx, [2, C, T, H, W]), y: f32(y.data, y.dims) });
    const hIn = cpuAdd(hostTensor(e.h!.data as Float32Array, e.h!.dims), hostTensor(residual, [2, N, c.hidden_size]));
    const fo = await final!.run({ h: f32(hIn.data!, hIn.dims), t_emb: e.t_emb!, grid: gridT, size: sizeT });
    const v = cpuGuidance(hostTensor(fo.out!.data as Float32Array, fo.out!.dims), C, scale);
    const zT = hostTensor(z, [1, C, T, H, W]);
    const so = await skip!.run({
      ...common,
      timestep: f32(Float32Array.of(700), [1]),
      fps: f32(Float32Array.of(8), [1]),
      z: f32(z, [1, C, T, H, W]),
      residual: f32(residual, [2, N, c.hidden_size]),
      size: sizeT,
      guidance: f32(Float32Array.of(scale), [1]),
      dt: f32(Float32Array.of(dt), [1]),
      t_frac: f32(Float32Array.of(tFrac), [1]),
    });
    expect(so.z_next!.dims).toEqual([1, C, T, H, W]);
    expect(maxRelError(so.z_next!.data as Float32Array, cpuAxpy(zT, v, dt).data!)).toBeLessThan(1e-6);
    expect(maxRelError(so.x0!.data as Float32Array, cpuAxpy(zT, v, tFrac).data!)).toBeLessThan(1e-6);
    await Promise.all([embed!, final!, skip!].map((x) => x.release()));
  });

  it('names every missing, misshapen or unexpected tensor', () => {
    const bad = new Map(weights);
    bad.delete('t_block.1.bias');
    bad.set('final_layer.linear.weight', { dims: [5, 64], data: new Float32Array(320) });
    bad.set('extra.weight', { dims: [1], data: new Float32Array(1) });
    let message = '';
    try {
      buildStdit3Graphs(c, bad, { quant: 'fp32' });
    } catch (e) {
      expect(e).toBeInstanceOf(CheckpointError);
      message = (e as Error).message;
    }
    expect(message).toContain('missing tensor t_block.1.bias');
    expect(message).toContain('final_layer.linear.weight has shape [5,64], the config needs [96,64]');
    expect(message).toContain('unexpected tensor extra.weight');
  });
});
