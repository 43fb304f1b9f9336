/**
 * The engine's public API: what the Web Worker, the CLI and the benchmarks call.
 * Plain data in and out (structured-clone safe), so it crosses the worker boundary as is.
 */

/** A cache policy and its knobs, as a person picks it (URL, CLI flags, UI). */
export type PolicySpec =
  | { kind: 'none' }
  | {
      kind: 'adacache';
      /** 'fast' | 'slow' | '100', a codebook saved in the package, or "t1:r1,t2:r2,...". */
      codebook: string;
      moreg: boolean;
      /** Temporal block whose self-attention residual is the probe; default from the manifest. */
      probeBlock?: number;
    }
  | { kind: 'static'; interval: number }
  | { kind: 'teacache'; threshold: number };

export interface GenerateRequest {
  prompt: string;
  seed: number;
  steps: number;
  /** Classifier-free guidance scale (Open-Sora's cfg_scale). */
  guidance: number;
  policy: PolicySpec;
  /** Video size; defaults come from the manifest's sampling section. */
  numFrames?: number;
  height?: number;
  width?: number;
  fps?: number;
}

/** What the sampler records for one denoising step (1-based `step`). */
export interface StepRecord {
  step: number;
  /** Timestep the model received, 0..1000 scale. */
  timestep: number;
  computed: boolean;
  /** Normalised probe distance looked up in the codebook (AdaCache), or TeaCache's accumulator. */
  distance?: number;
  /** MoReg factor m + |mograd| (1 without MoReg). */
  moreg?: number;
  mograd?: number;
  /** Cache rate chosen at this step (steps until the next compute). */
  rate?: number;
  /** Wall time of the step in milliseconds. */
  ms: number;
}

export interface Trace {
  policy: PolicySpec;
  steps: number;
  /** 1-based steps at which the block stack was computed. */
  recomputed_steps: number[];
  records: StepRecord[];
}

/** A video as float32 RGB in [0, 1], [frames, height, width, 3]. */
export interface VideoFrames {
  frames: number;
  height: number;
  width: number;
  fps: number;
  rgb: Float32Array;
}

export interface StepEvent {
  record: StepRecord;
  /** The predicted clean video at this step (x0 = z_t + t * v), decoded for display. */
  preview?: VideoFrames;
}

export interface GenerateResult {
  request: GenerateRequest;
  /** Final latent [1, C, T, H, W]. */
  latent: Float32Array;
  latentDims: number[];
  video: VideoFrames;
  trace: Trace;
  wallMs: number;
  backend: string;
}
