/**
 * Turns measured runs into the benchmark table (Table 1 of the AdaCache paper, for our model)
 * and the issue-4 target checks. Only aggregates what was measured; nothing here is a constant
 * result.
 */
import type { PolicySpec } from '../src/engine/api.ts';
import type { Accuracies } from '../src/eval/score.ts';
import type { KernelResult } from './runners.ts';
import type { StepTiming } from './shared.ts';
import type { StepMs } from './wire.ts';

export interface RunRecord {
  env: string;
  policy: string;
  prompt: string;
  seed: number;
  ms: number;
  steps: number;
  computed: number;
  stepMs: StepMs;
  /** vs the same prompt and seed's baseline video; null for the baseline itself. */
  psnr: number | null;
  ssim: number | null;
}

export interface PolicyRow {
  env: string;
  policy: string;
  label: string;
  spec: PolicySpec;
  videos: number;
  meanSeconds: number;
  /** Sum of baseline wall time / sum of this policy's, over the same prompts and seeds. */
  speedup: number;
  meanComputed: number;
  stepsPerVideo: number;
  idealSpeedup: number;
  achievedOverIdeal: number;
  /** Mean time of one computed and of one reused step (null without any), and per video outside the steps. */
  computedStepMs: number;
  reusedStepMs: number | null;
  outsideStepsMs: number;
  /** Mean of per-video PSNR (dB) over videos that differ from the baseline; identical ones counted apart. */
  psnr: number | null;
  identical: number;
  ssim: number | null;
  adherence: { accuracies: Accuracies; mean: number } | { na: string };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function policyRow(env: string, policy: string, label: string, spec: PolicySpec, runs: readonly RunRecord[], baseline: readonly RunRecord[], adherence: PolicyRow['adherence']): PolicyRow {
  const mine = runs.filter((r) => r.env === env && r.policy === policy);
  const key = (r: RunRecord) => `${r.prompt}\u0000${r.seed}`;
  const keys = new Set(mine.map(key));
  const base = baseline.filter((r) => r.env === env && keys.has(key(r)));
  const totalMs = mine.reduce((a, r) => a + r.ms, 0);
  const baseMs = base.reduce((a, r) => a + r.ms, 0);
  const steps = mine.reduce((a, r) => a + r.steps, 0);
  const computed = mine.reduce((a, r) => a + r.computed, 0);
  const speedup = baseMs / totalMs;
  const ideal = steps / computed;
  const finite = mine.map((r) => r.psnr).filter((p): p is number => p !== null && Number.isFinite(p));
  const ssims = mine.map((r) => r.ssim).filter((s): s is number => s !== null);
  return {
    env,
    policy,
    label,
    spec,
    videos: mine.length,
    meanSeconds: totalMs / mine.length / 1000,
    speedup,
    meanComputed: computed / mine.length,
    stepsPerVideo: steps / mine.length,
    idealSpeedup: ideal,
    achievedOverIdeal: speedup / ideal,
    computedStepMs: mine.reduce((a, r) => a + r.stepMs.computed, 0) / computed,
    reusedStepMs: steps > computed ? mine.reduce((a, r) => a + r.stepMs.reused, 0) / (steps - computed) : null,
    outsideStepsMs: (totalMs - mine.reduce((a, r) => a + r.stepMs.computed + r.stepMs.reused, 0)) / mine.length,
    psnr: finite.length ? mean(finite) : null,
    identical: mine.filter((r) => r.psnr === Infinity).length,
    ssim: ssims.length ? mean(ssims) : null,
    adherence,
  };
}

function fmtPsnr(r: PolicyRow): string {
  if (r.policy === 'baseline') return '(reference)';
  if (r.psnr === null) return r.identical ? 'identical' : 'n/a';
  return `${r.psnr.toFixed(2)}${r.identical ? ` (+${r.identical} identical)` : ''}`;
}

export function adherenceText(a: PolicyRow['adherence']): string {
  return 'na' in a ? 'n/a' : `${(100 * a.mean).toFixed(1)}%`;
}

export function table(rows: readonly PolicyRow[]): string {
  const head = ['env', 'policy', 'videos', 'wall s/video', 'speedup', 'computed steps', 'ideal speedup', 'achieved/ideal', 'PSNR dB', 'SSIM', 'adherence'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(
      `| ${[
        r.env,
        r.label,
        r.videos,
        r.meanSeconds.toFixed(3),
        `${r.speedup.toFixed(2)}x`,
        `${r.meanComputed.toFixed(1)} / ${r.stepsPerVideo}`,
        `${r.idealSpeedup.toFixed(2)}x`,
        r.achievedOverIdeal.toFixed(3),
        fmtPsnr(r),
        r.ssim === null ? (r.policy === 'baseline' ? '(reference)' : 'n/a') : r.ssim.toFixed(4),
        adherenceText(r.adherence),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

export interface TargetCheck {
  env: string;
  what: string;
  measured: string;
  met: boolean;
}

/** Issue 4's targets for AdaCache-fast, checked on the measured rows of one environment. */
export function targetChecks(env: string, rows: readonly PolicyRow[]): TargetCheck[] {
  const get = (p: string) => rows.find((r) => r.env === env && r.policy === p);
  const fast = get('ada-fast');
  if (!fast) return [];
  const checks: TargetCheck[] = [
    { env, what: 'AdaCache-fast wall-clock speedup >= 2.5x', measured: `${fast.speedup.toFixed(2)}x`, met: fast.speedup >= 2.5 },
    { env, what: 'AdaCache-fast video PSNR vs baseline >= 26 dB', measured: fmtPsnr(fast), met: fast.psnr !== null && fast.psnr >= 26 },
    { env, what: 'AdaCache-fast achieved / ideal speedup >= 0.92', measured: fast.achievedOverIdeal.toFixed(3), met: fast.achievedOverIdeal >= 0.92 },
  ];
  for (const other of ['static', 'teacache']) {
    const o = get(other);
    if (!o) continue;
    checks.push({
      env,
      what: `AdaCache-fast PSNR > ${o.label} PSNR (matched computed steps)`,
      measured: `${fast.psnr?.toFixed(2) ?? 'n/a'} vs ${o.psnr?.toFixed(2) ?? 'n/a'} dB (speedups ${fast.speedup.toFixed(2)}x vs ${o.speedup.toFixed(2)}x)`,
      met: fast.psnr !== null && o.psnr !== null && fast.psnr > o.psnr,
    });
  }
  return checks;
}

export function checksTable(checks: readonly TargetCheck[]): string {
  const lines = ['| env | target | measured | met |', '|---|---|---|---|'];
  for (const c of checks) lines.push(`| ${c.env} | ${c.what} | ${c.measured} | ${c.met ? 'yes' : '**MISSED**'} |`);
  return lines.join('\n');
}

export function stepTable(steps: Record<string, StepTiming>, nodeEnv: string | undefined): string {
  const lines = [
    '| env | latent T,H,W (batch) | mean ms | median ms | embed / stack / final ms | calls | ratio to Node |',
    '|---|---|---|---|---|---|---|',
  ];
  const node = nodeEnv ? steps[nodeEnv] : undefined;
  for (const [env, s] of Object.entries(steps)) {
    lines.push(
      `| ${env} | ${s.latent.join(',')} (${s.batch}) | ${s.meanMs.toFixed(1)} | ${s.medianMs.toFixed(1)} | ${[s.partsMs.embed, s.partsMs.stack, s.partsMs.final].map((x) => x.toFixed(1)).join(' / ')} | ${s.samplesMs.length} after ${s.warmup} warm-up | ${node ? (s.meanMs / node.meanMs).toFixed(2) : 'n/a'} |`,
    );
  }
  return lines.join('\n');
}

export function kernelTable(kernels: Record<string, KernelResult[]>): string {
  const lines = ['| env | device | elements | MB read | median ms | GB/s |', '|---|---|---|---|---|---|'];
  for (const [env, list] of Object.entries(kernels)) {
    for (const k of list) {
      for (const p of k.points) {
        lines.push(`| ${env} | ${k.device} | ${p.elements} | ${(p.bytes / 1e6).toFixed(1)} | ${p.medianMs.toFixed(2)} | ${p.gbPerS.toFixed(2)} |`);
      }
    }
  }
  return lines.join('\n');
}
