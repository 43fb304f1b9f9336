import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE_DIR } from '../../test/reference.ts';
import type { DeviceTensor } from '../engine/backend.ts';
import { cpuTensorOps, hostTensor } from '../kernels/cpuOps.ts';
import { AdaCachePolicy, defaultMoreg, moregWindow } from './adacache.ts';
import { CalibrationError, ProbeRecorderPolicy, proposeCodebook, simulateSchedule } from './calibrate.ts';
import { BUILTIN_CODEBOOKS, CodebookError, lookupRate, parseCodebookText, resolveCodebook } from './codebook.ts';
import { createPolicy } from './index.ts';
import { PolicyError, type CachePolicy, type PolicyEnv } from './policy.ts';
import { StaticIntervalPolicy } from './simple.ts';
import { polyval, TeaCachePolicy } from './teacache.ts';

const golden = JSON.parse(readFileSync(join(REFERENCE_DIR, 'sampling.json'), 'utf8')) as {
  runs: Record<string, { recomputed_steps: number[]; decisions: { step: number; cache_diff: number; rate: number }[] }>;
};

function env(steps: number, tokensPerFrame = 1): PolicyEnv & { live: Set<DeviceTensor> } {
  const live = new Set<DeviceTensor>();
  return { ops: cpuTensorOps, steps, tokensPerFrame, live, release: (t) => void live.delete(t) };
}

/** A [1, n, 1] tensor with every value v (tracked so the test sees what the policy keeps). */
function filled(e: { live: Set<DeviceTensor> }, v: number, n = 4): DeviceTensor {
  const t = hostTensor(new Float32Array(n).fill(v), [1, n, 1]);
  e.live.add(t);
  return t;
}

/**
 * Runs a policy over `steps` steps; at each computed step the probe's relative L1 change against
 * the previous probe is `change(step)` (probes are constant tensors, each (1 + change) times the last).
 */
async function drive(policy: CachePolicy, e: ReturnType<typeof env>, change: (step: number) => number) {
  const computed: number[] = [];
  const notes = [];
  let level = 1;
  for (let step = 1; step <= e.steps; step++) {
    const d = await policy.decide(step, policy.needsTeaInput ? filled(e, step) : null);
    if (!d.compute) continue;
    computed.push(step);
    if (computed.length > 1) level *= 1 + change(step);
    notes.push({ step, ...(await policy.observe(step, filled(e, level))) });
  }
  policy.dispose();
  return { computed, notes };
}

describe('codebooks', () => {
  it('built-ins are the official ones and look up the first threshold the distance is below', () => {
    expect(BUILTIN_CODEBOOKS.fast.map((e) => e[1])).toEqual([6, 5, 4, 3, 2, 1]);
    expect(lookupRate(BUILTIN_CODEBOOKS.fast, 0.0799)).toBe(6);
    expect(lookupRate(BUILTIN_CODEBOOKS.fast, 0.08)).toBe(5);
    expect(lookupRate(BUILTIN_CODEBOOKS.fast, 0.45)).toBe(1);
    expect(lookupRate(BUILTIN_CODEBOOKS['100'], 5)).toBe(3);
    for (const [name, run] of [['fast', 'adacache_fast'], ['slow', 'adacache_slow']] as const) {
      for (const d of golden.runs[run]!.decisions) expect(lookupRate(BUILTIN_CODEBOOKS[name], d.cache_diff)).toBe(d.rate);
    }
  });

  it('parse "t:r,..." text, resolve names and saved codebooks, and explain mistakes', () => {
    expect(parseCodebookText('0.1:4, 0.3:2,1:1')).toEqual([[0.1, 4], [0.3, 2], [1, 1]]);
    expect(resolveCodebook('mine', { mine: [[0.2, 3]] })).toEqual([[0.2, 3]]);
    expect(resolveCodebook('slow')).toBe(BUILTIN_CODEBOOKS.slow);
    expect(() => resolveCodebook('turbo')).toThrow(/unknown codebook "turbo"/);
    expect(() => parseCodebookText('0.3:2,0.1:4')).toThrow(/ascending/);
    expect(() => parseCodebookText('0.1:0')).toThrow(CodebookError);
    expect(() => parseCodebookText('abc')).toThrow(CodebookError);
  });
});

describe('AdaCache policy', () => {
  it('reproduces the official fast and slow schedules from their recorded distances', async () => {
    for (const [name, run] of [['fast', 'adacache_fast'], ['slow', 'adacache_slow']] as const) {
      const g = golden.runs[run]!;
      // The raw distance the official code measured = cache_diff * the rate it divided by.
      const raw = new Map<number, number>();
      let rate = 1;
      for (const d of g.decisions) {
        raw.set(d.step, d.cache_diff * rate);
        rate = d.rate;
      }
      const e = env(30);
      const { computed, notes } = await drive(new AdaCachePolicy(e, { codebook: BUILTIN_CODEBOOKS[name] }), e, (s) => raw.get(s)!);
      expect(computed).toEqual(g.recomputed_steps);
      expect(notes.filter((n) => n.distance !== undefined).map((n) => n.rate)).toEqual(g.decisions.map((d) => d.rate));
      notes.filter((n) => n.distance !== undefined).forEach((n, i) => expect(n.distance).toBeCloseTo(g.decisions[i]!.cache_diff, 6));
      expect(e.live.size).toBe(0);
    }
  });

  it('forces steps 1, N-1 and N and divides by the scheduled rate there (the official quirk)', async () => {
    const e = env(12);
    const { computed, notes } = await drive(new AdaCachePolicy(e, { codebook: [[0.1, 4], [1, 1]] }), e, () => 0.02);
    // 1, 2 (rate 1) -> rate 4: 6, 10; 11 and 12 forced.
    expect(computed).toEqual([1, 2, 6, 10, 11, 12]);
    const at = (s: number) => notes.find((n) => n.step === s)!;
    expect(at(6).distance).toBeCloseTo(0.02 / 4, 6);
    // Step 11 is one step after 10, but the code still divides by the scheduled rate 4.
    expect(at(11).distance).toBeCloseTo(0.02 / 4, 6);
  });

  it('MoReg: m from the probe frame shifts, power 8 over 0.385, mograd and the window', async () => {
    const steps = 30;
    const e = env(steps, 1);
    const policy = new AdaCachePolicy(e, { codebook: BUILTIN_CODEBOOKS.fast, moreg: defaultMoreg(steps) });
    // Probe [1, T=2 frames x S=1 token, C=1]: frames a and b.
    const probe = (a: number, b: number) => {
      const t = hostTensor(Float32Array.of(a, b), [1, 2, 1]);
      e.live.add(t);
      return t;
    };
    await policy.decide(1);
    await policy.observe(1, probe(1, 1));
    await policy.decide(2);
    const outside = await policy.observe(2, probe(1, 1.1));
    expect(outside).toMatchObject({ moreg: 1, mograd: 0 });
    // Step 4 (inside 4..26 for 30 steps): m_1 = |b - a| / (|b| + |a|).
    const m1 = 0.5 / 2.5;
    const m = (m1 / 0.385) ** 8;
    for (const s of [3]) {
      await policy.decide(s);
      await policy.observe(s, probe(1, 1.1));
    }
    const rateBefore = lookupRate(BUILTIN_CODEBOOKS.fast, 0);
    expect(rateBefore).toBe(6);
    // Steps 3 gave rate 6 (no change); steps 4..8 are reused; step 9 is computed.
    for (let s = 4; s < 9; s++) expect((await policy.decide(s)).compute).toBe(false);
    expect((await policy.decide(9)).compute).toBe(true);
    const inside = await policy.observe(9, probe(1, 1.5));
    const mograd = (10 * (m - 1)) / 6;
    expect(inside.mograd).toBeCloseTo(mograd, 12);
    expect(inside.moreg).toBeCloseTo(m + Math.abs(mograd), 12);
    policy.dispose();
    expect(e.live.size).toBe(0);
  });

  it('scales the MoReg window with the step count (official: 10..90 of 100, 4..26 of 30)', () => {
    expect(moregWindow(100)).toEqual([10, 90]);
    expect(moregWindow(30)).toEqual([4, 26]);
    expect(moregWindow(50)).toEqual([6, 44]);
    expect(moregWindow(4)).toEqual([2, 2]);
  });
});

describe('static and TeaCache policies', () => {
  it('static: computes at 1, 1 + k, 1 + 2k, ...', async () => {
    const e = env(10);
    const { computed } = await drive(new StaticIntervalPolicy(e, 3), e, () => 0);
    expect(computed).toEqual([1, 4, 7, 10]);
    expect(() => new StaticIntervalPolicy(e, 0)).toThrow(PolicyError);
  });

  it('TeaCache: accumulates the relative L1 change of tea_input and computes once it reaches the threshold', async () => {
    const e = env(8);
    const policy = new TeaCachePolicy(e, 0.25);
    // tea_input levels: each step 10% above the last -> relative change 0.1 (first step has no previous).
    const computed: number[] = [];
    const distances: number[] = [];
    for (let s = 1; s <= 8; s++) {
      const d = await policy.decide(s, filled(e, 1.1 ** s));
      distances.push(d.distance ?? NaN);
      if (d.compute) {
        computed.push(s);
        await policy.observe(s, filled(e, 1));
      }
    }
    policy.dispose();
    // Sums 0.1, 0.2, 0.3 (compute, reset), 0.1, 0.2, 0.3 (compute), 0.1, last step forced.
    expect(computed).toEqual([1, 4, 7, 8]);
    expect(distances[3]).toBeCloseTo(0.3, 5);
    expect(e.live.size).toBe(0);
    expect(polyval([2, 0, 1], 3)).toBe(19);
    expect(() => new TeaCachePolicy(e, 0)).toThrow(PolicyError);
    await expect(new TeaCachePolicy(e, 0.25).decide(1, null)).rejects.toThrow(/tea_input/);
  });

  it('createPolicy builds what the spec names and rejects unknown kinds', () => {
    const e = env(30);
    expect(createPolicy({ kind: 'adacache', codebook: 'fast', moreg: true }, e).name).toBe('adacache+moreg');
    expect(createPolicy({ kind: 'teacache', threshold: 0.1 }, e).name).toBe('teacache');
    expect(() => createPolicy({ kind: 'pab' } as never, e)).toThrow(/unknown cache policy/);
  });
});

describe('calibration', () => {
  /** Baseline spans where the probe drifts by `d` a step: spans[s][r] = r * d (NaN before step 1). */
  const spans = (n: number, d: number, max = 6) =>
    Array.from({ length: n }, (_, i) => Array.from({ length: max }, (_, r) => (i - r - 1 >= 0 ? (r + 1) * d : NaN)));

  it('simulates AdaCache on recorded spans as the policy schedules it', async () => {
    // Constant drift 0.05 a step: normalised distance 0.05 < 0.08 -> rate 6 after the first decision.
    expect(simulateSchedule(spans(20, 0.05), BUILTIN_CODEBOOKS.fast)).toEqual([1, 2, 8, 14, 19, 20]);
    const e = env(20);
    const { computed } = await drive(new AdaCachePolicy(e, { codebook: BUILTIN_CODEBOOKS.fast }), e, () => 0.05);
    expect(computed).toEqual([1, 2, 8, 14, 19, 20]);
  });

  it('records span distances with the probe recorder and frees what it keeps', async () => {
    const e = env(5);
    const rec = new ProbeRecorderPolicy(e, 2);
    await drive(rec, e, () => 1);
    // Probe levels 1, 2, 4, 8, 16: |a - b| / |a| = 1 for one step, 3 for two.
    expect(rec.spans[0]!.every(Number.isNaN)).toBe(true);
    expect(rec.spans[4]).toEqual([1, 3]);
    expect(e.live.size).toBe(0);
  });

  it('scales the thresholds until the predicted speedup reaches the target, or says it cannot', () => {
    const curves = [spans(30, 0.1), spans(30, 0.2)];
    const cal = proposeCodebook(curves, 2.5);
    expect(cal.predictedSpeedup).toBeGreaterThanOrEqual(2.5);
    expect(cal.codebook.map((c) => c[1])).toEqual([6, 5, 4, 3, 2, 1]);
    const slower = proposeCodebook(curves, 1.5);
    expect(slower.codebook[0]![0]).toBeLessThan(cal.codebook[0]![0]);
    expect(() => proposeCodebook(curves, 20)).toThrow(/out of reach/);
    expect(() => proposeCodebook([], 2)).toThrow(CalibrationError);
  });
});
