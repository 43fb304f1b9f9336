/**
 * Benchmark code that runs unchanged in Node and in the bench page: one model call timed on an
 * engine, and the l1Sums kernel's throughput on a set of GPU tensor ops.
 */
import type { Engine } from '../src/engine/generate.ts';
import type { DeviceTensor } from '../src/engine/backend.ts';
import type { GpuTensorOps } from '../src/kernels/gpuOps.ts';
import { gaussianNoise } from '../src/engine/noise.ts';

export interface StepTiming {
  /** Latent [T, H, W] and CFG batch the calls ran at. */
  latent: number[];
  batch: number;
  warmup: number;
  /** Milliseconds of each timed call (embed + stack + final + reading the output back). */
  samplesMs: number[];
  meanMs: number;
  medianMs: number;
  /**
   * Mean host-side milliseconds of each graph call. Exact on CPU backends; on WebGPU a call may
   * return before its GPU work ends, so the time lands in a later part (the total is exact).
   */
  partsMs: { embed: number; stack: number; final: number };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * One denoising step's model work at the package's default size with guidance (batch 2):
 * embed, the whole block stack and the final layer, then the output read back so a GPU
 * backend has finished. Warm-up calls first (shader compiles, allocator growth).
 */
export async function timeModelStep(engine: Engine, warmup: number, iters: number): Promise<StepTiming> {
  const { manifest: m, backend, model } = engine;
  const c = m.config;
  const latent = m.sampling.latent;
  const [T, H, W] = latent;
  const size = model.sizeInputs(latent, m.sampling.height, m.sampling.width);
  const L = c.model_max_length;
  const x = backend.upload(gaussianNoise(1, 2 * c.in_channels * T * H * W), [2, c.in_channels, T, H, W]);
  const timestep = backend.upload(Float32Array.from([500, 500]), [2]);
  const fps = backend.upload(Float32Array.from([m.sampling.fps, m.sampling.fps]), [2]);
  const y = backend.upload(gaussianNoise(2, 2 * L * c.caption_channels), [2, 1, L, c.caption_channels]);
  const mask = backend.upload(new Float32Array(2 * L).fill(1), [2, L]);
  const release = (...ts: DeviceTensor[]) => ts.forEach((t) => backend.release(t));
  const parts = { embed: 0, stack: 0, final: 0 };
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const e = await model.embed(size, x, timestep, fps, y, false);
    const t1 = performance.now();
    const s = await model.stack(size, e, mask, m.sampling.probeBlock);
    const t2 = performance.now();
    const out = await model.final(size, s.h_out, e.t_emb);
    await backend.download(out);
    const t3 = performance.now();
    release(e.h, e.t_mlp, e.t_emb, e.y_emb, s.h_out, s.probe, out);
    parts.embed += t1 - t0;
    parts.stack += t2 - t1;
    parts.final += t3 - t2;
    return t3 - t0;
  };
  try {
    for (let i = 0; i < warmup; i++) await once();
    parts.embed = parts.stack = parts.final = 0;
    const samplesMs: number[] = [];
    for (let i = 0; i < iters; i++) samplesMs.push(await once());
    return {
      partsMs: { embed: parts.embed / iters, stack: parts.stack / iters, final: parts.final / iters },
      latent: [...latent],
      batch: 2,
      warmup,
      samplesMs,
      meanMs: samplesMs.reduce((a, b) => a + b, 0) / samplesMs.length,
      medianMs: median(samplesMs),
    };
  } finally {
    release(x, timestep, fps, y, mask, size.posEmb, size.ropeCos, size.ropeSin);
  }
}

export interface KernelPoint {
  elements: number;
  /** Bytes the kernel reads per call: two float32 tensors. */
  bytes: number;
  reps: number;
  /** Median time of one l1Sums call, including its 8-byte readback. */
  medianMs: number;
  gbPerS: number;
}

/**
 * l1Sums throughput: two tensors of n float32 on the device, one warm-up call (pipeline
 * compile), then `reps` timed calls; GB/s = bytes read (8 n) / median time.
 */
export async function benchL1Sums(ops: Pick<GpuTensorOps, 'l1Sums' | 'upload'>, release: (t: DeviceTensor) => void, sizes: readonly number[], reps: number): Promise<KernelPoint[]> {
  const points: KernelPoint[] = [];
  for (const n of sizes) {
    const a = ops.upload(gaussianNoise(3, n), [n]);
    const b = ops.upload(gaussianNoise(4, n), [n]);
    try {
      await ops.l1Sums(a, b);
      const times: number[] = [];
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        await ops.l1Sums(a, b);
        times.push(performance.now() - t0);
      }
      const ms = median(times);
      points.push({ elements: n, bytes: 8 * n, reps, medianMs: ms, gbPerS: (8 * n) / (ms * 1e6) });
    } finally {
      release(a);
      release(b);
    }
  }
  return points;
}
