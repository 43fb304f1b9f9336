/**
 * The engine's entry point (web-llm style): `createEngine(pkg, backend)` loads the sessions of a
 * model package once; `engine.generate(request, onStep, signal)` validates the request, encodes
 * the prompt (or takes caption embeddings), draws the seeded noise, runs the RFLOW sampler with
 * the requested cache policy and decodes previews and the final video.
 */
import { createPolicy } from '../cache/index.ts';
import type { CachePolicy, PolicyEnv } from '../cache/policy.ts';
import { resolveCodebook } from '../cache/codebook.ts';
import type { ModelManifest, FileRole } from '../model/manifest.ts';
import { parseSafetensors, readFloat } from '../model/safetensors.ts';
import { decodeLatent } from '../video/decode.ts';
import type { CaptionInput, ConditioningSize, GenerateRequest, GenerateResult, PolicySpec, StepEvent, StepRecord, Trace } from './api.ts';
import type { Backend, DeviceTensor } from './backend.ts';
import { gaussianNoise } from './noise.ts';
import { sample } from './sampler.ts';
import { rflowTimesteps } from './schedule.ts';
import { Stdit3Model, type SizeInputs } from './stdit3Model.ts';
import { encodePrompt, loadTextEncoder, type TextEncoder } from './textEncoder.ts';

export class RequestError extends Error {
  override name = 'RequestError';
}

export class EmptyPromptError extends RequestError {
  override name = 'EmptyPromptError';
}

export const MAX_STEPS = 1000;
export const MAX_GUIDANCE = 50;

/** A package as loaded by src/model (Node folder or browser fetch). */
export interface PackageData {
  manifest: ModelManifest;
  files: Partial<Record<FileRole, Uint8Array>>;
}

/** A request with every default filled in and every value checked. */
export interface ResolvedRequest {
  steps: number;
  guidance: number;
  seed: number;
  policy: PolicySpec;
  probeBlock: number;
  /** Latent [T, H, W]. */
  latent: [number, number, number];
  conditioning: ConditioningSize;
  fps: number;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Checks a request against a manifest; every problem is a RequestError saying what to change. */
export function resolveRequest(r: GenerateRequest, m: ModelManifest): ResolvedRequest {
  if (typeof r !== 'object' || r === null) throw new RequestError('the request must be an object');
  const s = m.sampling;
  if (!isInt(r.steps) || r.steps < 2 || r.steps > MAX_STEPS) throw new RequestError(`steps must be an integer from 2 to ${MAX_STEPS}, got ${r.steps}`);
  if (typeof r.guidance !== 'number' || !Number.isFinite(r.guidance) || r.guidance < 0 || r.guidance > MAX_GUIDANCE) {
    throw new RequestError(`guidance must be a number from 0 to ${MAX_GUIDANCE}, got ${r.guidance}`);
  }
  if (!Number.isSafeInteger(r.seed) || r.seed < 0) throw new RequestError(`seed must be a non-negative integer, got ${r.seed}`);
  if (typeof r.prompt !== 'string') throw new RequestError('prompt must be a string');
  if (!r.caption && r.prompt.trim() === '') throw new EmptyPromptError('the prompt is empty: describe the video to generate');
  const [pt, ph, pw] = m.config.patch_size;
  const sizeField = (v: number | undefined, fallback: number, what: string, patch: number): number => {
    if (v === undefined) return fallback;
    if (!isInt(v) || v < 1 || v % patch !== 0) throw new RequestError(`${what} must be a positive multiple of ${patch}, got ${v}`);
    return v;
  };
  const latent: [number, number, number] = [
    sizeField(r.numFrames, s.latent[0], 'numFrames', pt),
    sizeField(r.height, s.latent[1], 'height', ph),
    sizeField(r.width, s.latent[2], 'width', pw),
  ];
  const fps = r.fps ?? s.fps;
  if (!isInt(fps) || fps < 1 || fps > 240) throw new RequestError(`fps must be an integer from 1 to 240, got ${fps}`);
  const conditioning = r.conditioning ?? {
    height: Math.round((s.height * latent[1]) / s.latent[1]),
    width: Math.round((s.width * latent[2]) / s.latent[2]),
    numFrames: Math.round((s.numFrames * latent[0]) / s.latent[0]),
  };
  for (const k of ['height', 'width', 'numFrames'] as const) {
    if (!isInt(conditioning[k]) || conditioning[k] < 1) throw new RequestError(`conditioning.${k} must be a positive integer, got ${conditioning[k]}`);
  }
  if (s.useTimestepTransform && conditioning.numFrames !== 1 && conditioning.numFrames < 17) {
    throw new RequestError(`the timestep transform needs 1 or at least 17 frames, got conditioning.numFrames ${conditioning.numFrames}`);
  }
  const policy = r.policy;
  let probeBlock = s.probeBlock;
  if (!policy || typeof policy !== 'object') throw new RequestError('policy is required, e.g. {kind: "none"}');
  switch (policy.kind) {
    case 'none':
      break;
    case 'adacache':
      if (typeof policy.codebook !== 'string') throw new RequestError('adacache needs a codebook name or "threshold:rate,..." text');
      resolveCodebook(policy.codebook, m.codebooks);
      if (policy.probeBlock !== undefined) {
        if (!isInt(policy.probeBlock) || policy.probeBlock < 0 || policy.probeBlock >= m.config.depth) {
          throw new RequestError(`probeBlock must be a temporal block index from 0 to ${m.config.depth - 1}, got ${policy.probeBlock}`);
        }
        probeBlock = policy.probeBlock;
      }
      break;
    case 'static':
      if (!isInt(policy.interval) || policy.interval < 1 || policy.interval > r.steps) {
        throw new RequestError(`the static interval must be an integer from 1 to ${r.steps}, got ${policy.interval}`);
      }
      break;
    case 'teacache':
      if (typeof policy.threshold !== 'number' || !(policy.threshold > 0) || !Number.isFinite(policy.threshold)) {
        throw new RequestError(`the TeaCache threshold must be a number > 0, got ${policy.threshold}`);
      }
      break;
    default:
      throw new RequestError(`unknown policy kind ${JSON.stringify((policy as { kind?: unknown }).kind)} (none, adacache, static, teacache)`);
  }
  const C = m.config.in_channels;
  if (r.noise !== undefined) {
    const n = C * latent[0] * latent[1] * latent[2];
    if (!(r.noise instanceof Float32Array) || r.noise.length !== n) {
      throw new RequestError(`noise must be a Float32Array of ${n} values ([1, ${C}, ${latent.join(', ')}]), got ${r.noise?.length}`);
    }
  }
  if (r.caption) checkCaption(r.caption, m);
  return { steps: r.steps, guidance: r.guidance, seed: r.seed, policy, probeBlock, latent, conditioning, fps };
}

function checkCaption(c: CaptionInput, m: ModelManifest): void {
  const L = m.config.model_max_length;
  const n = L * m.config.caption_channels;
  if (!(c.y instanceof Float32Array) || c.y.length !== n) throw new RequestError(`caption.y must be a Float32Array of ${n} values ([1, 1, ${L}, ${m.config.caption_channels}])`);
  if (c.yNull !== undefined && (!(c.yNull instanceof Float32Array) || c.yNull.length !== n)) throw new RequestError(`caption.yNull must be a Float32Array of ${n} values`);
  if (!c.mask || c.mask.length !== L) throw new RequestError(`caption.mask must have ${L} entries (1 for a valid token, 0 for padding)`);
  let valid = 0;
  for (let i = 0; i < L; i++) {
    const v = Number(c.mask[i]);
    if (v !== 0 && v !== 1) throw new RequestError(`caption.mask entries must be 0 or 1, got ${v}`);
    valid += v;
  }
  if (valid === 0) throw new RequestError('caption.mask marks no valid token');
}

export interface Engine {
  readonly manifest: ModelManifest;
  readonly backend: Backend;
  readonly model: Stdit3Model;
  generate(request: GenerateRequest, onStep?: (e: StepEvent) => void, signal?: AbortSignal): Promise<GenerateResult>;
  /**
   * Runs the sampler with a caller-made policy (calibration, experiments); otherwise as generate.
   * `makePolicy` gets the environment the built-in policies get.
   */
  run(request: GenerateRequest, makePolicy: ((env: PolicyEnv) => CachePolicy) | null, onStep?: (e: StepEvent) => void, signal?: AbortSignal): Promise<GenerateResult>;
  dispose(): Promise<void>;
}

export interface EngineOptions {
  /** Sessions already compiled (e.g. by a worker reporting progress); otherwise loaded here. */
  model?: Stdit3Model;
}

export async function createEngine(pkg: PackageData, backend: Backend, opts: EngineOptions = {}): Promise<Engine> {
  const m = pkg.manifest;
  const L = m.config.model_max_length;
  const Cc = m.config.caption_channels;
  const nullFile = pkg.files.null_caption;
  if (!nullFile) throw new RequestError(`package ${m.name} has no null_caption file; classifier-free guidance needs it`);
  const yNullDefault = readFloat(parseSafetensors(nullFile, 'null_caption.safetensors'), 'y_null', 'null_caption.safetensors').data;
  if (yNullDefault.length !== L * Cc) throw new RequestError(`null_caption y_null has ${yNullDefault.length} values, expected ${L * Cc}`);
  const model = opts.model ?? (await Stdit3Model.load(m, pkg.files, backend));
  let text: TextEncoder | null = null;
  if (m.textEncoder.kind === 'grammar') text = await loadTextEncoder(m, pkg.files, backend);
  const sizes = new Map<string, SizeInputs>();

  async function captionFor(r: GenerateRequest): Promise<CaptionInput> {
    if (r.caption) return r.caption;
    if (!text) throw new RequestError(`package ${m.name} has no text encoder: pass caption embeddings (caption.y and caption.mask)`);
    return encodePrompt(text, r.prompt);
  }

  function sizeInputs(q: ResolvedRequest): SizeInputs {
    const key = `${q.latent.join('x')}@${q.conditioning.height}x${q.conditioning.width}`;
    let s = sizes.get(key);
    if (!s) {
      s = model.sizeInputs(q.latent, q.conditioning.height, q.conditioning.width);
      sizes.set(key, s);
    }
    return s;
  }

  async function run(
    request: GenerateRequest,
    makePolicy: ((env: PolicyEnv) => CachePolicy) | null,
    onStep?: (e: StepEvent) => void,
    signal?: AbortSignal,
  ): Promise<GenerateResult> {
    const started = Date.now();
    const q = resolveRequest(request, m);
    if (signal?.aborted) throw new DOMException('the run was cancelled', 'AbortError');
    const cap = await captionFor(request);
    const C = m.config.in_channels;
    const latentDims = [1, C, ...q.latent];
    const size = sizeInputs(q);
    const env: PolicyEnv = {
      ops: backend.ops,
      release: (t: DeviceTensor) => backend.release(t),
      steps: q.steps,
      tokensPerFrame: size.grid.Hp * size.grid.Wp,
    };
    const policy = makePolicy ? makePolicy(env) : createPolicy(q.policy, env, m.codebooks);
    const y = new Float32Array(2 * L * Cc);
    y.set(cap.y, 0);
    y.set(cap.yNull ?? yNullDefault, L * Cc);
    const mask = new Float32Array(2 * L);
    for (let i = 0; i < L; i++) mask[i] = mask[L + i] = Number(cap.mask[i]);
    const timesteps = rflowTimesteps(q.steps, m.sampling.useTimestepTransform ? q.conditioning : undefined);
    const noise = request.noise ?? gaussianNoise(q.seed, C * q.latent[0] * q.latent[1] * q.latent[2]);
    const yT = backend.upload(y, [2, 1, L, Cc]);
    const maskT = backend.upload(mask, [2, L]);
    const wantPreview = onStep !== undefined && request.previews !== false;
    let result: { z: DeviceTensor; records: StepRecord[] };
    try {
      result = await sample(
        {
          model,
          size,
          z0: backend.upload(noise, latentDims),
          y: yT,
          mask: maskT,
          timesteps,
          fps: q.fps,
          cfg: q.guidance,
          probeBlock: q.probeBlock,
          policy,
          channels: C,
        },
        {
          wantX0: wantPreview,
          ...(signal ? { signal } : {}),
          async onStep(record, x0) {
            if (!onStep) return;
            const event: StepEvent = { record: { ...record } };
            if (x0) event.preview = decodeLatent(await backend.download(x0), latentDims, m.decoder, q.fps);
            onStep(event);
          },
        },
      );
    } finally {
      backend.release(yT);
      backend.release(maskT);
    }
    const latent = Float32Array.from(await backend.download(result.z));
    backend.release(result.z);
    const trace: Trace = {
      policy: q.policy,
      steps: q.steps,
      recomputed_steps: result.records.filter((r) => r.computed).map((r) => r.step),
      records: result.records,
    };
    return {
      request,
      latent,
      latentDims,
      video: decodeLatent(latent, latentDims, m.decoder, q.fps),
      trace,
      wallMs: Date.now() - started,
      backend: backend.description,
    };
  }

  return {
    manifest: m,
    backend,
    model,
    run,
    generate: (request, onStep, signal) => run(request, null, onStep, signal),
    async dispose() {
      for (const s of sizes.values()) for (const t of [s.posEmb, s.ropeCos, s.ropeSin]) backend.release(t);
      sizes.clear();
      await text?.release();
      if (!opts.model) await model.release();
    },
  };
}

