/**
 * Open-Sora v1.2's rectified-flow (RFLOW) timesteps, computed with float32 rounding at each
 * operation as torch does in fp32, so the model receives the same timesteps as the official code
 * (e.g. the transformed first timestep is 1000.0001 at 64x64 px, 17 frames).
 */

const f = Math.fround;

export const NUM_TIMESTEPS = 1000;

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

/** What the timestep transform is told: pixel height/width and pixel frame count. */
export interface TransformSize {
  height: number;
  width: number;
  numFrames: number;
}

/**
 * Open-Sora's timestep_transform: tau = t/1000, r = sqrt(h*w / 512^2) * sqrt(F'),
 * F' = 1 for one frame else (num_frames // 17) * 5; t' = 1000 * r tau / (1 + (r - 1) tau).
 */
export function transformTimestep(t: number, size: TransformSize): number {
  const tau = f(t / NUM_TIMESTEPS);
  const resolution = f(f(size.height) * f(size.width));
  const ratioSpace = f(Math.sqrt(f(resolution / (512 * 512))));
  const frames = size.numFrames === 1 ? 1 : Math.floor(size.numFrames / 17) * 5;
  const ratioTime = f(Math.sqrt(frames));
  const ratio = f(ratioSpace * ratioTime);
  const num = f(ratio * tau);
  const den = f(1 + f(f(ratio - 1) * tau));
  return f(f(num / den) * NUM_TIMESTEPS);
}

/** The N timesteps (0..1000 scale) of RFLOW: t_i = (1 - i/N) * 1000, optionally transformed. */
export function rflowTimesteps(steps: number, transform?: TransformSize): number[] {
  if (!Number.isInteger(steps) || steps < 1) throw new ScheduleError(`steps must be a positive integer, got ${steps}`);
  if (transform) {
    const frames = transform.numFrames === 1 ? 1 : Math.floor(transform.numFrames / 17) * 5;
    if (!(transform.height > 0 && transform.width > 0) || frames < 1) {
      throw new ScheduleError(`the timestep transform needs height, width > 0 and 1 or >= 17 frames, got ${transform.height}x${transform.width}, ${transform.numFrames} frames`);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = f((1 - i / steps) * NUM_TIMESTEPS);
    out.push(transform ? transformTimestep(t, transform) : t);
  }
  return out;
}

/** Euler step size of step i (0-based): (t_i - t_{i+1}) / 1000, the last step t_last / 1000. */
export function stepDt(timesteps: readonly number[], i: number): number {
  const t = timesteps[i]!;
  const d = i < timesteps.length - 1 ? f(t - timesteps[i + 1]!) : t;
  return f(d / NUM_TIMESTEPS);
}
