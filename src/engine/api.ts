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

/**
 * Caption embeddings given directly (packages whose textEncoder is "none", or to replay a run):
 * y [1, 1, L, caption_channels], mask the valid tokens of y (length L, 1 or 0; used for both CFG
 * halves as Open-Sora does), yNull the unconditional caption (default: the package's learned one).
 */
export interface CaptionInput {
  y: Float32Array;
  mask: ArrayLike<number>;
  yNull?: Float32Array;
}

/** Open-Sora's model-side size: the pixel height/width/frames the model and timestep transform are told. */
export interface ConditioningSize {
  height: number;
  width: number;
  numFrames: number;
}

export interface GenerateRequest {
  /** The prompt; may be empty only when `caption` is given. */
  prompt: string;
  seed: number;
  steps: number;
  /** Classifier-free guidance scale (Open-Sora's cfg_scale). */
  guidance: number;
  policy: PolicySpec;
  /**
   * Latent size [numFrames, height, width] = the decoded video's resolution (views enlarge by the
   * decoder's upscale) and frames (times the decoder's temporalFold); defaults from the manifest's
   * sampling.latent.
   */
  numFrames?: number;
  height?: number;
  width?: number;
  fps?: number;
  /** Caption embeddings instead of text (required for packages without a text encoder). */
  caption?: CaptionInput;
  /** Initial noise z0 [1, C, T, H, W] instead of the seeded noise (replays). */
  noise?: Float32Array;
  /** What the model is told; default: the manifest's, scaled with the latent size. */
  conditioning?: ConditioningSize;
  /** Decode a preview of the predicted clean video at each step (default true). */
  previews?: boolean;
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
