import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE_DIR } from '../../test/reference.ts';
import { rflowTimesteps, ScheduleError, stepDt, transformTimestep } from './schedule.ts';

describe('RFLOW timesteps', () => {
  it('equal the timesteps the official run gave the model (transform at 64x64 px, 17 frames)', () => {
    const golden = JSON.parse(readFileSync(join(REFERENCE_DIR, 'sampling.json'), 'utf8'));
    expect(rflowTimesteps(30, { height: 64, width: 64, numFrames: 17 })).toEqual(golden.runs.none.model_timesteps);
  });

  it('without the transform are (1 - i/N) * 1000', () => {
    expect(rflowTimesteps(4)).toEqual([1000, 750, 500, 250]);
  });

  it('leave t unchanged at the base size (512x512, one frame) and shift towards 1000 for larger videos', () => {
    expect(transformTimestep(500, { height: 512, width: 512, numFrames: 1 })).toBe(500);
    expect(transformTimestep(500, { height: 720, width: 1280, numFrames: 51 })).toBeGreaterThan(800);
  });

  it('take Euler steps that sum to 1 (the last step goes to t = 0)', () => {
    const ts = rflowTimesteps(30, { height: 64, width: 64, numFrames: 17 });
    const total = ts.reduce((a, _, i) => a + stepDt(ts, i), 0);
    expect(total).toBeCloseTo(1.0000001, 5);
    expect(stepDt(ts, 29)).toBe(Math.fround(ts[29]! / 1000));
  });

  it('reject bad step counts and sizes', () => {
    expect(() => rflowTimesteps(0)).toThrow(ScheduleError);
    expect(() => rflowTimesteps(10, { height: 64, width: 64, numFrames: 8 })).toThrow(ScheduleError);
  });
});
