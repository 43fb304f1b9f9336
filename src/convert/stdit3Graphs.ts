/**
 * STDiT3 (Open-Sora v1.2) as ONNX graphs, split where AdaCache needs it:
 *   embed  — patchify + positions, timestep/fps embeddings, t_block, caption projection
 *   stack  — the interleaved spatial/temporal blocks; returns h_out and the probe residual
 *   final  — the final layer and unpatchify
 *   skip   — a whole reused step (embed, + cached residual, final, guidance, Euler) in one run
 * Shapes that depend on the video size come in at run time (`grid` = [T', Hp, Wp] int64,
 * `pos_emb`, `rope_cos`/`rope_sin` from src/engine/stdit3Inputs.ts), so one package serves any size.
 * docs/PACKAGE.md lists every input and output.
 */
import { BadPackageError, headDim, mlpHidden, outChannels, type Stdit3Config } from '../model/manifest.ts';
import type { FloatTensor } from '../model/safetensors.ts';
import { GraphBuilder, INT64, type Quantization } from './onnxGraph.ts';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Every tensor name and shape an STDiT3 checkpoint must have. */
export function expectedParameters(c: Stdit3Config): Map<string, number[]> {
  const H = c.hidden_size;
  const [pt, ph, pw] = c.patch_size;
  const hd = headDim(c);
  const mlp = mlpHidden(c);
  const p = new Map<string, number[]>([
    ['x_embedder.proj.weight', [H, c.in_channels, pt, ph, pw]],
    ['x_embedder.proj.bias', [H]],
    ['t_block.1.weight', [6 * H, H]],
    ['t_block.1.bias', [6 * H]],
    ['y_embedder.y_embedding', [c.model_max_length, c.caption_channels]],
    ['y_embedder.y_proj.fc1.weight', [H, c.caption_channels]],
    ['y_embedder.y_proj.fc1.bias', [H]],
    ['y_embedder.y_proj.fc2.weight', [H, H]],
    ['y_embedder.y_proj.fc2.bias', [H]],
    ['final_layer.scale_shift_table', [2, H]],
    ['final_layer.linear.weight', [pt * ph * pw * outChannels(c), H]],
    ['final_layer.linear.bias', [pt * ph * pw * outChannels(c)]],
  ]);
  for (const e of ['t_embedder', 'fps_embedder']) {
    p.set(`${e}.mlp.0.weight`, [H, 256]);
    p.set(`${e}.mlp.0.bias`, [H]);
    p.set(`${e}.mlp.2.weight`, [H, H]);
    p.set(`${e}.mlp.2.bias`, [H]);
  }
  for (const kind of ['spatial_blocks', 'temporal_blocks']) {
    for (let n = 0; n < c.depth; n++) {
      const b = `${kind}.${n}`;
      p.set(`${b}.scale_shift_table`, [6, H]);
      p.set(`${b}.attn.qkv.weight`, [3 * H, H]);
      p.set(`${b}.attn.qkv.bias`, [3 * H]);
      if (c.qk_norm) {
        p.set(`${b}.attn.q_norm.weight`, [hd]);
        p.set(`${b}.attn.k_norm.weight`, [hd]);
      }
      p.set(`${b}.attn.proj.weight`, [H, H]);
      p.set(`${b}.attn.proj.bias`, [H]);
      p.set(`${b}.cross_attn.q_linear.weight`, [H, H]);
      p.set(`${b}.cross_attn.q_linear.bias`, [H]);
      p.set(`${b}.cross_attn.kv_linear.weight`, [2 * H, H]);
      p.set(`${b}.cross_attn.kv_linear.bias`, [2 * H]);
      p.set(`${b}.cross_attn.proj.weight`, [H, H]);
      p.set(`${b}.cross_attn.proj.bias`, [H]);
      p.set(`${b}.mlp.fc1.weight`, [mlp, H]);
      p.set(`${b}.mlp.fc1.bias`, [mlp]);
      p.set(`${b}.mlp.fc2.weight`, [H, mlp]);
      p.set(`${b}.mlp.fc2.bias`, [H]);
    }
  }
  return p;
}

/** Tensors a checkpoint may carry that the graphs recompute or do not need. */
const OPTIONAL = [/^rope\.freqs$/, /^pos_embed\./];

/** Checks names and shapes; every problem in one message. */
export function checkCheckpoint(c: Stdit3Config, weights: ReadonlyMap<string, FloatTensor>): void {
  const expected = expectedParameters(c);
  const problems: string[] = [];
  for (const [name, dims] of expected) {
    const t = weights.get(name);
    if (!t) problems.push(`missing tensor ${name} [${dims}]`);
    else if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
      problems.push(`tensor ${name} has shape [${t.dims}], the config needs [${dims}]`);
    }
  }
  for (const name of weights.keys()) {
    if (!expected.has(name) && !OPTIONAL.some((r) => r.test(name))) problems.push(`unexpected tensor ${name} (not part of STDiT3 with this config)`);
  }
  if (problems.length) {
    const shown = problems.slice(0, 12).join('\n  ');
    throw new CheckpointError(`checkpoint does not match the STDiT3 config:\n  ${shown}${problems.length > 12 ? `\n  ... and ${problems.length - 12} more` : ''}`);
  }
}

export interface GraphOptions {
  quant: Quantization;
  /** Adds the reference's intermediates as extra outputs (prefixed "ref."), for layer-by-layer tests. */
  debug?: boolean;
}

/** Graph-building context shared by the three graphs. */
class Stdit3Builder {
  readonly g: GraphBuilder;
  readonly H: number;
  readonly hd: number;
  readonly heads: number;

  constructor(
    name: string,
    readonly c: Stdit3Config,
    private readonly weights: ReadonlyMap<string, FloatTensor>,
    readonly opts: GraphOptions,
  ) {
    this.g = new GraphBuilder(name);
    this.H = c.hidden_size;
    this.heads = c.num_heads;
    this.hd = headDim(c);
  }

  w(name: string): FloatTensor {
    const t = this.weights.get(name);
    if (!t) throw new CheckpointError(`missing tensor ${name}`);
    return t;
  }

  /** A weight stored as a float initializer under its checkpoint name. */
  param(name: string, dims?: number[]): string {
    const t = this.w(name);
    return this.g.float(name, dims ?? t.dims, t.data);
  }

  linear(x: string, prefix: string, quant = this.opts.quant): string {
    return this.g.linear(x, prefix, this.w(`${prefix}.weight`), this.w(`${prefix}.bias`), quant);
  }

  debugOut(name: string, value: string, dims: (string | number)[]): void {
    if (this.opts.debug) this.g.output(`ref.${name}`, value, dims);
  }

  /** int64 [1] pieces of the run-time grid [T', Hp, Wp]. */
  gridDims(): { T: string; Hp: string; Wp: string; S: string; N: string } {
    const g = this.g;
    const grid = g.input('grid', [3], INT64);
    const T = g.slice(grid, 0, 0, 1);
    const Hp = g.slice(grid, 0, 1, 2);
    const Wp = g.slice(grid, 0, 2, 3);
    const S = g.op('Mul', [Hp, Wp]);
    const N = g.op('Mul', [T, S]);
    return { T, Hp, Wp, S, N };
  }

  shape(parts: (string | number)[]): string {
    return this.g.op('Concat', parts.map((p) => (typeof p === 'number' ? this.g.ints([p]) : p)), { axis: 0 });
  }

  /** x * (1 + scale) + shift. */
  modulate(x: string, shift: string, scale: string): string {
    const g = this.g;
    return g.op('Add', [g.op('Mul', [x, g.op('Add', [scale, g.scalar(1)])]), shift]);
  }
}

/** Sinusoidal embedding (cos first, 256 features) + the two-layer MLP of t_embedder / fps_embedder. */
function timestepEmbedder(b: Stdit3Builder, s: string, prefix: string): string {
  const g = b.g;
  const half = 128;
  const freqs = new Float32Array(half);
  for (let k = 0; k < half; k++) freqs[k] = Math.exp((-Math.log(10000) * k) / half);
  const args = g.op('Mul', [g.op('Unsqueeze', [s, g.ints([1])]), g.float(`${prefix}.freqs`, [1, half], freqs)]); // [B,128]
  const feats = g.op('Concat', [g.op('Cos', [args]), g.op('Sin', [args])], { axis: 1 }); // [B,256]
  return b.linear(g.silu(b.linear(feats, `${prefix}.mlp.0`)), `${prefix}.mlp.2`);
}

/** Grid pieces, as gridDims() returns them. */
type GridDims = ReturnType<Stdit3Builder['gridDims']>;

/**
 * Patchify + positions and the timestep/fps conditioning: h [B, N, H] and cond (= t_emb) [B, H].
 * Shared by the embed graph and the skip graph.
 */
function embedTokens(b: Stdit3Builder, x: string, timestep: string, fps: string, posEmb: string, grid: GridDims): { h: string; cond: string; tEmb: string; fpsEmb: string } {
  const { g, c, H } = b;
  const [pt, ph, pw] = c.patch_size;
  const Cin = c.in_channels;
  const { T, Hp, Wp } = grid;
  // Zero-pad T, H, W at the end up to the grid's multiples of the patch, as PatchEmbed3D does.
  const padded = g.op('Concat', [g.op('Mul', [T, g.ints([pt])]), g.op('Mul', [Hp, g.ints([ph])]), g.op('Mul', [Wp, g.ints([pw])])], { axis: 0 });
  const extra = g.op('Sub', [padded, g.slice(g.op('Shape', [x]), 0, 2, 5)]);
  const xp = g.op('Pad', [x, g.op('Concat', [g.ints([0, 0, 0, 0, 0, 0, 0]), extra], { axis: 0 })]);
  // Patchify as reshape + MatMul: the Conv3d weight [H, Cin, pt, ph, pw] flattened is the kernel.
  const xr = g.reshape(xp, b.shape([0, Cin, T, pt, Hp, ph, Wp, pw]));
  const patches = g.reshape(g.transpose(xr, [0, 2, 4, 6, 1, 3, 5, 7]), b.shape([0, -1, Cin * pt * ph * pw]));
  const pw4 = b.w('x_embedder.proj.weight');
  const proj = { dims: [H, Cin * pt * ph * pw], data: pw4.data };
  const h = g.op('Add', [g.linear(patches, 'x_embedder.proj', proj, b.w('x_embedder.proj.bias'), 'fp32'), posEmb]); // [B,N,H]
  const tEmb = timestepEmbedder(b, timestep, 't_embedder');
  const fpsEmb = timestepEmbedder(b, fps, 'fps_embedder');
  return { h, cond: g.op('Add', [tEmb, fpsEmb]), tEmb, fpsEmb };
}

export function buildEmbedGraph(c: Stdit3Config, weights: ReadonlyMap<string, FloatTensor>, opts: GraphOptions): Uint8Array {
  const b = new Stdit3Builder('stdit3_embed', c, weights, opts);
  const { g, H } = b;
  const L = c.model_max_length;
  const x = g.input('x', ['B', c.in_channels, 'T', 'Hl', 'Wl']);
  const timestep = g.input('timestep', ['B']);
  const fps = g.input('fps', ['B']);
  const y = g.input('y', ['B', 1, L, c.caption_channels]);
  const posEmb = g.input('pos_emb', ['N', H]);
  const { h, cond, tEmb, fpsEmb } = embedTokens(b, x, timestep, fps, posEmb, b.gridDims());
  const tMlp = b.linear(g.silu(cond), 't_block.1'); // [B,6H]

  const y3 = g.reshape(y, b.shape([0, L, c.caption_channels]));
  const yEmb = b.linear(g.geluTanh(b.linear(y3, 'y_embedder.y_proj.fc1')), 'y_embedder.y_proj.fc2'); // [B,L,H]

  // TeaCache's signal: the modulated input of the first block.
  const ss = g.op('Add', [b.param('spatial_blocks.0.scale_shift_table', [1, 6, H]), g.reshape(tMlp, b.shape([0, 6, H]))]);
  const tea = b.modulate(g.layerNorm(h, H, 1e-6), g.slice(ss, 1, 0, 1), g.slice(ss, 1, 1, 2));

  g.output('h', h, ['B', 'N', H]);
  g.output('t_mlp', tMlp, ['B', 6 * H]);
  g.output('t_emb', cond, ['B', H]);
  g.output('y_emb', yEmb, ['B', L, H]);
  g.output('tea_input', tea, ['B', 'N', H]);
  b.debugOut('t_emb', tEmb, ['B', H]);
  b.debugOut('fps_emb', fpsEmb, ['B', H]);
  b.debugOut('y_embedded', g.op('Unsqueeze', [yEmb, g.ints([1])]), ['B', 1, L, H]);
  return g.toBytes();
}

/** q/k/v of [b', n, 3H] as three [b', heads, n, hd] tensors. */
function splitHeads(b: Stdit3Builder, qkv: string, n: string | number): [string, string, string] {
  const g = b.g;
  const r = g.reshape(qkv, b.shape([-1, n, 3, b.heads, b.hd]));
  const parts = g.opN('Split', [g.transpose(r, [2, 0, 3, 1, 4])], 3, { axis: 0 });
  return parts.map((p) => g.op('Squeeze', [p, g.ints([0])])) as [string, string, string];
}

/** softmax(q k^T / sqrt(hd) + bias) v for [b', heads, n, hd] tensors. */
function attention(b: Stdit3Builder, q: string, k: string, v: string, bias?: string): string {
  const g = b.g;
  let scores = g.op('MatMul', [g.op('Mul', [q, g.scalar(b.hd ** -0.5)]), g.transpose(k, [0, 1, 3, 2])]);
  if (bias) scores = g.op('Add', [scores, bias]);
  return g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
}

/** RMSNorm over the head dimension times the learned weight (eps 1e-6). */
function rmsNorm(b: Stdit3Builder, x: string, weight: string): string {
  const g = b.g;
  const ms = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
  return g.op('Mul', [g.op('Mul', [x, g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [ms, g.scalar(1e-6)])])])]), b.param(weight)]);
}

interface StackInputs {
  dims: ReturnType<Stdit3Builder['gridDims']>;
  tMlp: string;
  yEmb: string;
  crossBias: string;
  ropeCos: string;
  ropeSin: string;
  rotate: string;
}

/** One STDiT3 block; returns the new hidden state and the gated self-attention residual. */
function block(b: Stdit3Builder, h: string, prefix: string, temporal: boolean, s: StackInputs): { h: string; attnRes: string } {
  const { g, H } = b;
  const { T, S, N } = s.dims;
  const ss = g.op('Add', [b.param(`${prefix}.scale_shift_table`, [1, 6, H]), g.reshape(s.tMlp, b.shape([0, 6, H]))]);
  const [shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp] = [0, 1, 2, 3, 4, 5].map((i) => g.slice(ss, 1, i, i + 1));

  const a = b.modulate(g.layerNorm(h, H, 1e-6), shiftMsa!, scaleMsa!); // [B,N,H]
  // Spatial attention runs over the S tokens of each frame, temporal over the T' frames of each token.
  const seq = temporal
    ? g.reshape(g.transpose(g.reshape(a, b.shape([0, T, S, H])), [0, 2, 1, 3]), b.shape([-1, T, H]))
    : g.reshape(a, b.shape([-1, S, H]));
  let [q, k, v] = splitHeads(b, b.linear(seq, `${prefix}.attn.qkv`), temporal ? T : S);
  if (b.c.qk_norm) {
    q = rmsNorm(b, q, `${prefix}.attn.q_norm.weight`);
    k = rmsNorm(b, k, `${prefix}.attn.k_norm.weight`);
  }
  if (temporal) {
    const rope = (x: string) =>
      g.op('Add', [g.op('Mul', [x, s.ropeCos]), g.op('Mul', [g.op('MatMul', [x, s.rotate]), s.ropeSin])]);
    q = rope(q);
    k = rope(k);
  }
  const o = g.transpose(attention(b, q, k, v), [0, 2, 1, 3]); // [b', n, heads, hd]
  const merged = temporal
    ? g.reshape(g.transpose(g.reshape(o, b.shape([-1, S, T, H])), [0, 2, 1, 3]), b.shape([-1, N, H]))
    : g.reshape(o, b.shape([-1, N, H]));
  const attnRes = g.op('Mul', [gateMsa!, b.linear(merged, `${prefix}.attn.proj`)]);
  let out = g.op('Add', [h, attnRes]);

  // Cross-attention to the caption: per sample, padded tokens get zero weight through the bias.
  const cq = g.transpose(g.reshape(b.linear(out, `${prefix}.cross_attn.q_linear`), b.shape([0, -1, b.heads, b.hd])), [0, 2, 1, 3]);
  const kv = g.reshape(b.linear(s.yEmb, `${prefix}.cross_attn.kv_linear`), b.shape([0, -1, 2, b.heads, b.hd]));
  const [ck, cv] = g.opN('Split', [g.transpose(kv, [2, 0, 3, 1, 4])], 2, { axis: 0 }).map((p) => g.op('Squeeze', [p, g.ints([0])]));
  const co = g.reshape(g.transpose(attention(b, cq, ck!, cv!, s.crossBias), [0, 2, 1, 3]), b.shape([0, -1, H]));
  out = g.op('Add', [out, b.linear(co, `${prefix}.cross_attn.proj`)]);

  const m = b.modulate(g.layerNorm(out, H, 1e-6), shiftMlp!, scaleMlp!);
  const mlp = b.linear(g.geluTanh(b.linear(m, `${prefix}.mlp.fc1`)), `${prefix}.mlp.fc2`);
  out = g.op('Add', [out, g.op('Mul', [gateMlp!, mlp])]);
  return { h: out, attnRes };
}

/** [hd, hd] matrix R with (x R) = rotate_half(x) for interleaved pairs: (x0, x1) -> (-x1, x0). */
function interleavedRotation(hd: number): Float32Array {
  const r = new Float32Array(hd * hd);
  for (let i = 0; i < hd; i += 2) {
    r[(i + 1) * hd + i] = -1;
    r[i * hd + i + 1] = 1;
  }
  return r;
}

export function buildStackGraph(c: Stdit3Config, weights: ReadonlyMap<string, FloatTensor>, opts: GraphOptions): Uint8Array {
  const b = new Stdit3Builder('stdit3_stack', c, weights, opts);
  const { g, H } = b;
  const L = c.model_max_length;
  let h = g.input('h', ['B', 'N', H]);
  const tMlp = g.input('t_mlp', ['B', 6 * H]);
  const yEmb = g.input('y_emb', ['B', L, H]);
  const mask = g.input('mask', ['B', L]);
  const onehot = g.input('probe_onehot', [c.depth]);
  const ropeCos = g.input('rope_cos', ['Tp', b.hd]);
  const ropeSin = g.input('rope_sin', ['Tp', b.hd]);
  const dims = b.gridDims();
  const crossBias = g.reshape(g.op('Mul', [g.op('Sub', [mask, g.scalar(1)]), g.scalar(1e9)]), b.shape([0, 1, 1, L]));
  const rotate = g.float('rope_rotate_half', [b.hd, b.hd], interleavedRotation(b.hd));
  const s: StackInputs = { dims, tMlp, yEmb, crossBias, ropeCos, ropeSin, rotate };

  let probe: string | undefined;
  for (let n = 0; n < c.depth; n++) {
    for (const temporal of [false, true]) {
      const name = `${temporal ? 'temporal' : 'spatial'}_blocks.${n}`;
      const r = block(b, h, name, temporal, s);
      h = r.h;
      b.debugOut(`${name}.out`, h, ['B', 'N', H]);
      b.debugOut(`${name}.attn_res`, r.attnRes, ['B', 'N', H]);
      if (temporal) {
        // Multiplying by the one-hot entry selects the probe block at run time, exactly.
        const term = g.op('Mul', [r.attnRes, g.slice(onehot, 0, n, n + 1)]);
        probe = probe ? g.op('Add', [probe, term]) : term;
      }
    }
  }
  g.output('h_out', h, ['B', 'N', H]);
  g.output('probe', probe!, ['B', 'N', H]);
  return g.toBytes();
}

/**
 * The final layer up to its linear: [B, N, Cout*pt*ph*pw]. The linear's output rows are stored
 * channel-major (c, pt, ph, pw) instead of Open-Sora's (pt, ph, pw, c): the same numbers in another
 * order, which lets unpatchify keep the innermost pw run contiguous (ORT's 8-D Transpose is ~2x
 * faster so, measured on [1,8,8,8,2,4,4,3]).
 */
function finalTokens(b: Stdit3Builder, h: string, tEmb: string): string {
  const { g, c, H } = b;
  const [pt, ph, pw] = c.patch_size;
  const Cout = outChannels(c);
  const P = pt * ph * pw;
  const ss = g.op('Add', [b.param('final_layer.scale_shift_table', [1, 2, H]), g.op('Unsqueeze', [tEmb, g.ints([1])])]);
  const x = b.modulate(g.layerNorm(h, H, 1e-6), g.slice(ss, 1, 0, 1), g.slice(ss, 1, 1, 2));
  const w = b.w('final_layer.linear.weight');
  const bias = b.w('final_layer.linear.bias');
  const wc = new Float32Array(w.data.length);
  const bc = new Float32Array(bias.data.length);
  for (let p = 0; p < P; p++) {
    for (let ch = 0; ch < Cout; ch++) {
      const from = p * Cout + ch;
      const to = ch * P + p;
      wc.set(w.data.subarray(from * H, (from + 1) * H), to * H);
      bc[to] = bias.data[from]!;
    }
  }
  const y = g.linear(x, 'final_layer.linear', { dims: w.dims, data: wc }, { dims: bias.dims, data: bc }, b.opts.quant);
  if (b.opts.debug) {
    const open = g.transpose(g.reshape(y, b.shape([0, 0, Cout, P])), [0, 1, 3, 2]);
    b.debugOut('final_layer.out', g.reshape(open, b.shape([0, 0, P * Cout])), ['B', 'N', P * Cout]);
  }
  return y;
}

/** Channel-major tokens [B, N, Cout*pt*ph*pw] -> [B, Cout, T, Hl, Wl], the patch padding cropped off. */
function unpatchify(b: Stdit3Builder, y: string, Cout: number, grid: GridDims, size: string): string {
  const { g, c } = b;
  const [pt, ph, pw] = c.patch_size;
  const { T, Hp, Wp } = grid;
  const r = g.reshape(y, b.shape([0, T, Hp, Wp, Cout, pt, ph, pw]));
  const tHp = g.op('Mul', [Hp, g.ints([ph])]);
  const tWp = g.op('Mul', [Wp, g.ints([pw])]);
  const tT = g.op('Mul', [T, g.ints([pt])]);
  const full = g.reshape(g.transpose(r, [0, 4, 1, 5, 2, 6, 3, 7]), b.shape([0, Cout, tT, tHp, tWp]));
  return g.op('Slice', [full, g.ints([0, 0, 0]), size, g.ints([2, 3, 4])]);
}

export function buildFinalGraph(c: Stdit3Config, weights: ReadonlyMap<string, FloatTensor>, opts: GraphOptions): Uint8Array {
  const b = new Stdit3Builder('stdit3_final', c, weights, opts);
  const { g, H } = b;
  const h = g.input('h', ['B', 'N', H]);
  const tEmb = g.input('t_emb', ['B', H]);
  const grid = b.gridDims();
  const out = unpatchify(b, finalTokens(b, h, tEmb), outChannels(c), grid, g.input('size', [3], INT64));
  g.output('out', out, ['B', outChannels(c), 'T', 'Hl', 'Wl']);
  return g.toBytes();
}

/**
 * A whole reused step in one graph, so a skipped step is one session run: embed z (once: both
 * CFG rows see the same z and t), h + each row's cached residual (the block stack skipped), the final layer, guidance
 * v = u + s (c - u) and the Euler update z + dt v; x0 = z + t_frac v is the preview's clean
 * estimate. It computes exactly what the embed and final graphs and the guidance and axpy kernels
 * do one after the other, with the same float32 operations.
 */
export function buildSkipGraph(c: Stdit3Config, weights: ReadonlyMap<string, FloatTensor>, opts: GraphOptions): Uint8Array {
  const b = new Stdit3Builder('stdit3_skip', c, weights, { ...opts, debug: false });
  const { g, H } = b;
  const C = c.in_channels;
  const z = g.input('z', [1, C, 'T', 'Hl', 'Wl']);
  const timestep = g.input('timestep', [1]);
  const fps = g.input('fps', [1]);
  const posEmb = g.input('pos_emb', ['N', H]);
  const residual = g.input('residual', [2, 'N', H]);
  const grid = b.gridDims();
  const size = g.input('size', [3], INT64);
  const scale = g.input('guidance', [1]);
  const dt = g.input('dt', [1]);
  const tFrac = g.input('t_frac', [1]);
  // Both CFG rows embed the same z at the same t, so embed once; only the residuals differ.
  const { h, cond } = embedTokens(b, z, timestep, fps, posEmb, grid);
  const out = finalTokens(b, g.op('Add', [h, residual]), cond); // [1,N,H] + [2,N,H]
  // Guidance on the tokens, elementwise as on the video, so only one row goes through unpatchify;
  // channel-major rows put the velocity channels (not a learned sigma) first.
  const P = c.patch_size[0] * c.patch_size[1] * c.patch_size[2];
  const cOut = g.op('Slice', [out, g.ints([0, 0]), g.ints([1, C * P]), g.ints([0, 2])]);
  const uOut = g.op('Slice', [out, g.ints([1, 0]), g.ints([2, C * P]), g.ints([0, 2])]);
  const v = unpatchify(b, g.op('Add', [uOut, g.op('Mul', [scale, g.op('Sub', [cOut, uOut])])]), C, grid, size);
  g.output('z_next', g.op('Add', [z, g.op('Mul', [dt, v])]), [1, C, 'T', 'Hl', 'Wl']);
  g.output('x0', g.op('Add', [z, g.op('Mul', [tFrac, v])]), [1, C, 'T', 'Hl', 'Wl']);
  return g.toBytes();
}

export interface Stdit3Graphs {
  embed: Uint8Array;
  stack: Uint8Array;
  final: Uint8Array;
  skip: Uint8Array;
}

export function buildStdit3Graphs(c: Stdit3Config, weights: ReadonlyMap<string, FloatTensor>, opts: GraphOptions): Stdit3Graphs {
  checkCheckpoint(c, weights);
  if (!['fp32', 'int8', 'int4'].includes(opts.quant)) throw new BadPackageError(`unknown quantization ${opts.quant}`);
  return {
    embed: buildEmbedGraph(c, weights, opts),
    stack: buildStackGraph(c, weights, opts),
    final: buildFinalGraph(c, weights, opts),
    skip: buildSkipGraph(c, weights, opts),
  };
}
