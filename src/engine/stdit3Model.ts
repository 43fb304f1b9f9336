/**
 * The STDiT3 sessions of a package and the host-side inputs they need, as one object:
 * embed(), stack() and final() for the sampler (which may skip stack()), and skipStep() for a
 * whole reused step in one run when the package has the skip graph. Tensors stay wherever the
 * backend keeps them.
 */
import type { ModelManifest, Stdit3Config } from '../model/manifest.ts';
import type { Backend, DeviceTensor, HostTensor, ModelSession } from './backend.ts';
import { positionEmbedding, ropeTables, tokenGrid, type TokenGrid } from './stdit3Inputs.ts';

export class ModelInputError extends Error {
  override name = 'ModelInputError';
}

export interface EmbedOutputs {
  h: DeviceTensor;
  t_mlp: DeviceTensor;
  t_emb: DeviceTensor;
  y_emb: DeviceTensor;
  /** Only when asked for (TeaCache's signal). */
  tea_input?: DeviceTensor;
}

/** What one reused step needs besides the size inputs. */
export interface SkipStepInputs {
  /** The current latent [1, C, T, H, W]. */
  z: DeviceTensor;
  /** The step's timestep (0..1000) and the fps, shared by both CFG rows. */
  timestep: number;
  fps: number;
  /** The cached stack residual [2, N, hidden]. */
  residual: DeviceTensor;
  guidance: number;
  dt: number;
  /** t / 1000, for the clean estimate x0 = z + t_frac v. */
  tFrac: number;
  wantX0: boolean;
}

/** Size-dependent inputs, computed once per video size. */
export interface SizeInputs {
  grid: TokenGrid;
  gridTensor: HostTensor;
  /** The latent [T, H, W] (int64), which final crops its output to. */
  sizeTensor: HostTensor;
  posEmb: DeviceTensor;
  ropeCos: DeviceTensor;
  ropeSin: DeviceTensor;
}

export class Stdit3Model {
  private constructor(
    readonly config: Stdit3Config,
    readonly backend: Backend,
    private readonly sessions: { embed: ModelSession; stack: ModelSession; final: ModelSession; skip?: ModelSession },
  ) {}

  /** Whether a reused step can run as one session (packages converted before skip.onnx cannot). */
  get hasSkipGraph(): boolean {
    return this.sessions.skip !== undefined;
  }

  static async load(
    manifest: ModelManifest,
    files: { embed?: Uint8Array; stack?: Uint8Array; final?: Uint8Array; skip?: Uint8Array },
    backend: Backend,
  ): Promise<Stdit3Model> {
    const roles = ['embed', 'stack', 'final', ...(manifest.files.skip ? (['skip'] as const) : [])] as const;
    const opened: Partial<Record<(typeof roles)[number], ModelSession>> = {};
    const releaseOpened = () => Promise.all(Object.values(opened).map((s) => s.release()));
    try {
      for (const role of roles) {
        const bytes = files[role];
        if (!bytes) throw new ModelInputError(`the package's ${role} graph was not loaded`);
        opened[role] = await backend.createSession(bytes, `${manifest.name}/${manifest.files[role]!.path}`);
      }
    } catch (err) {
      // a graph that fails to compile must not leave the ones before it holding memory
      await releaseOpened();
      throw err;
    }
    const sessions = opened as { embed: ModelSession; stack: ModelSession; final: ModelSession; skip?: ModelSession };
    // Packages converted before final.onnx took the latent size cannot crop; say so instead of failing mid-run.
    if (!sessions.final.inputNames.includes('size')) {
      await releaseOpened();
      throw new ModelInputError(`${manifest.name}: final.onnx has no "size" input (converted by an older converter); convert the checkpoint again`);
    }
    return new Stdit3Model(manifest.config, backend, sessions);
  }

  /** grid, position embedding and RoPE tables for a latent [T, H, W] told as height x width pixels. */
  sizeInputs(latent: readonly [number, number, number], height: number, width: number): SizeInputs {
    const c = this.config;
    const grid = tokenGrid(c, latent);
    const rope = ropeTables(c, grid.T);
    const hd = c.hidden_size / c.num_heads;
    return {
      grid,
      gridTensor: { dims: [3], data: BigInt64Array.from([grid.T, grid.Hp, grid.Wp].map(BigInt)) },
      sizeTensor: { dims: [3], data: BigInt64Array.from(latent.map(BigInt)) },
      posEmb: this.backend.upload(positionEmbedding(c, grid, height, width), [grid.T * grid.Hp * grid.Wp, c.hidden_size]),
      ropeCos: this.backend.upload(rope.cos, [grid.T, hd]),
      ropeSin: this.backend.upload(rope.sin, [grid.T, hd]),
    };
  }

  async embed(size: SizeInputs, x: DeviceTensor, timestep: DeviceTensor, fps: DeviceTensor, y: DeviceTensor, withTeaInput = true): Promise<EmbedOutputs> {
    const outputs = withTeaInput ? undefined : ['h', 't_mlp', 't_emb', 'y_emb'];
    const o = await this.sessions.embed.run({ x, timestep, fps, y, pos_emb: size.posEmb, grid: size.gridTensor }, outputs);
    return o as unknown as EmbedOutputs;
  }

  /** A reused step in one run: returns the next latent and, when asked, the clean estimate x0. */
  async skipStep(size: SizeInputs, s: SkipStepInputs): Promise<{ z_next: DeviceTensor; x0?: DeviceTensor }> {
    if (!this.sessions.skip) throw new ModelInputError('this package has no skip graph');
    const scalar = (v: number) => ({ dims: [1], data: Float32Array.of(v) });
    const o = await this.sessions.skip.run(
      {
        z: s.z,
        timestep: scalar(s.timestep),
        fps: scalar(s.fps),
        pos_emb: size.posEmb,
        residual: s.residual,
        grid: size.gridTensor,
        size: size.sizeTensor,
        guidance: scalar(s.guidance),
        dt: scalar(s.dt),
        t_frac: scalar(s.tFrac),
      },
      s.wantX0 ? ['z_next', 'x0'] : ['z_next'],
    );
    return { z_next: o.z_next!, ...(o.x0 ? { x0: o.x0 } : {}) };
  }

  /** One pass through every block; `probe` is the gated self-attention residual of temporal block `probeBlock`. */
  async stack(size: SizeInputs, e: EmbedOutputs, mask: DeviceTensor, probeBlock: number): Promise<{ h_out: DeviceTensor; probe: DeviceTensor }> {
    const depth = this.config.depth;
    if (!Number.isInteger(probeBlock) || probeBlock < 0 || probeBlock >= depth) {
      throw new ModelInputError(`probe block must be a temporal block index in 0..${depth - 1}, got ${probeBlock}`);
    }
    const onehot = new Float32Array(depth);
    onehot[probeBlock] = 1;
    const o = await this.sessions.stack.run({
      h: e.h,
      t_mlp: e.t_mlp,
      y_emb: e.y_emb,
      mask,
      probe_onehot: { dims: [depth], data: onehot },
      grid: size.gridTensor,
      rope_cos: size.ropeCos,
      rope_sin: size.ropeSin,
    });
    return { h_out: o.h_out!, probe: o.probe! };
  }

  async final(size: SizeInputs, h: DeviceTensor, tEmb: DeviceTensor): Promise<DeviceTensor> {
    const o = await this.sessions.final.run({ h, t_emb: tEmb, grid: size.gridTensor, size: size.sizeTensor });
    return o.out!;
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }
}
