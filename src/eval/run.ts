/**
 * The evaluation loop: generate each prompt at each seed, measure the pixels, aggregate.
 * The generator is passed in, so the same loop serves the CLI (engine on onnxruntime-node)
 * and anything else that can produce a GenerateResult.
 */
import type { GenerateRequest, GenerateResult, PolicySpec } from '../engine/api.ts';
import { type Grammar, GrammarError, type PromptSpec, parsePrompt } from './grammar.ts';
import { type Accuracies, type ItemScore, aggregate, meanAbsDiff, scoreVideo } from './score.ts';

export class EvalInputError extends Error {
  override name = 'EvalInputError';
}

export interface EvalOptions {
  seeds: number;
  steps: number;
  guidance: number;
  policy: PolicySpec;
  onItem?: (item: ItemScore & { computedSteps: number; wallMs: number }, done: number, total: number, video: GenerateResult['video']) => void;
}

export interface EvalReport {
  options: { seeds: number; steps: number; guidance: number; policy: PolicySpec };
  accuracies: Accuracies;
  /** Mean absolute pixel difference (0..1) between videos of one prompt at different seeds. */
  seedDiversity: { pairs: number; meanAbsDiff: number; minAbsDiff: number } | null;
  /** Mean computed denoising steps by the prompt's motion speed ('static' for no motion). */
  computedSteps: Record<string, { videos: number; mean: number }>;
  wallMs: { total: number; meanPerVideo: number };
  items: (ItemScore & { computedSteps: number; wallMs: number })[];
}

/** Prompt lines: blank lines and lines starting with '#' are skipped. */
export function readPrompts(g: Grammar, text: string): PromptSpec[] {
  const specs: PromptSpec[] = [];
  text.split('\n').forEach((line, i) => {
    const s = line.trim();
    if (!s || s.startsWith('#')) return;
    try {
      specs.push(parsePrompt(g, s));
    } catch (e) {
      if (e instanceof GrammarError) throw new EvalInputError(`line ${i + 1}: ${e.message}`);
      throw e;
    }
  });
  if (!specs.length) throw new EvalInputError('the prompt file has no prompts');
  return specs;
}

function speedGroup(spec: PromptSpec): string {
  // a two-object prompt counts by its fastest object
  const speeds = spec.objects.map((o) => o.speed ?? 'static');
  return speeds.includes('fast') ? 'fast' : speeds.includes('slow') ? 'slow' : 'static';
}

export async function runEval(
  g: Grammar,
  prompts: readonly PromptSpec[],
  generate: (req: GenerateRequest) => Promise<GenerateResult>,
  opts: EvalOptions,
): Promise<EvalReport> {
  if (!(Number.isInteger(opts.seeds) && opts.seeds >= 1)) throw new EvalInputError(`seeds must be a positive integer, got ${opts.seeds}`);
  if (!(Number.isInteger(opts.steps) && opts.steps >= 1)) throw new EvalInputError(`steps must be a positive integer, got ${opts.steps}`);
  if (!Number.isFinite(opts.guidance)) throw new EvalInputError(`guidance must be a number, got ${opts.guidance}`);
  const items: EvalReport['items'] = [];
  const diffs: number[] = [];
  const groups = new Map<string, number[]>();
  const t0 = performance.now();
  const total = prompts.length * opts.seeds;
  for (const spec of prompts) {
    const videos = [];
    for (let seed = 0; seed < opts.seeds; seed++) {
      const res = await generate({ prompt: spec.prompt, seed, steps: opts.steps, guidance: opts.guidance, policy: opts.policy });
      const item = { ...scoreVideo(g, spec, seed, res.video), computedSteps: res.trace.recomputed_steps.length, wallMs: res.wallMs };
      items.push(item);
      videos.push(res.video);
      const grp = speedGroup(spec);
      groups.set(grp, [...(groups.get(grp) ?? []), item.computedSteps]);
      opts.onItem?.(item, items.length, total, res.video);
    }
    for (let i = 0; i < videos.length; i++) for (let j = i + 1; j < videos.length; j++) diffs.push(meanAbsDiff(videos[i]!, videos[j]!));
  }
  const wall = performance.now() - t0;
  return {
    options: { seeds: opts.seeds, steps: opts.steps, guidance: opts.guidance, policy: opts.policy },
    accuracies: aggregate(items),
    seedDiversity: diffs.length
      ? { pairs: diffs.length, meanAbsDiff: diffs.reduce((a, b) => a + b, 0) / diffs.length, minAbsDiff: Math.min(...diffs) }
      : null,
    computedSteps: Object.fromEntries(
      [...groups].map(([k, v]) => [k, { videos: v.length, mean: v.reduce((a, b) => a + b, 0) / v.length }]),
    ),
    wallMs: { total: wall, meanPerVideo: wall / Math.max(1, items.length) },
    items,
  };
}

export function formatReport(r: EvalReport): string {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);
  const a = r.accuracies;
  const lines = [
    `videos: ${a.count} (${r.options.seeds} seed(s), ${r.options.steps} steps, guidance ${r.options.guidance}, policy ${r.options.policy.kind})`,
    `colour accuracy:      ${pct(a.color)}`,
    `background accuracy:  ${pct(a.background)}`,
    `shape accuracy:       ${pct(a.shape)}`,
    `motion accuracy:      ${pct(a.motion)}`,
    `speed accuracy:       ${pct(a.speed)} (of ${a.speedCount} videos whose motion was right)`,
  ];
  if (r.seedDiversity) {
    lines.push(`seed diversity:       mean |diff| ${r.seedDiversity.meanAbsDiff.toFixed(3)}, min ${r.seedDiversity.minAbsDiff.toFixed(3)} over ${r.seedDiversity.pairs} pairs`);
  }
  for (const [k, v] of Object.entries(r.computedSteps)) lines.push(`computed steps (${k}): ${v.mean.toFixed(1)} over ${v.videos} videos`);
  lines.push(`wall: ${(r.wallMs.total / 1000).toFixed(1)} s, ${(r.wallMs.meanPerVideo / 1000).toFixed(2)} s per video`);
  return lines.join('\n');
}
