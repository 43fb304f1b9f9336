import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerateResult, VideoFrames } from '../engine/api.ts';
import { parseGrammar } from './grammar.ts';
import { EvalInputError, formatReport, readPrompts, runEval } from './run.ts';
import { render } from './synthetic.ts';

const g = parseGrammar(JSON.parse(fs.readFileSync('training/grammar.json', 'utf8')));
const prompts = readPrompts(
  g,
  '# two prompts\na red circle standing still on a black background\n\na blue square moving right quickly on a gray background\n',
);

function result(req: GenerateRequest, video: VideoFrames, computed: number): GenerateResult {
  return {
    request: req,
    latent: new Float32Array(0),
    latentDims: [],
    video,
    trace: { policy: req.policy, steps: req.steps, recomputed_steps: Array.from({ length: computed }, (_, i) => i + 1), records: [] },
    wallMs: 1,
    backend: 'synthetic',
  };
}

/** Draws what the prompt asks for, placed by the seed (a stand-in for a perfect model). */
async function faithful(req: GenerateRequest): Promise<GenerateResult> {
  const still = req.prompt.includes('standing still');
  const y = 10 + 4 * req.seed;
  const video = still
    ? render([0, 0, 0], [{ shape: 'circle', rgb: [255, 0, 0], at: () => ({ x: 16, y, r: 5 }) }])
    : render([128, 128, 128], [{ shape: 'square', rgb: [40, 80, 255], at: (t) => ({ x: 7 + 1.2 * t, y, r: 5 }) }]);
  return result(req, video, still ? 10 : 30);
}

describe('runEval', () => {
  it('scores every prompt and seed, reports seed diversity and computed steps by speed', async () => {
    const seen: number[] = [];
    const r = await runEval(g, prompts, faithful, {
      seeds: 2,
      steps: 30,
      guidance: 7,
      policy: { kind: 'none' },
      onItem: (_i, done) => seen.push(done),
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(r.accuracies).toMatchObject({ count: 4, color: 1, background: 1, shape: 1, motion: 1, speed: 1 });
    expect(r.seedDiversity!.pairs).toBe(2);
    expect(r.seedDiversity!.minAbsDiff).toBeGreaterThan(0);
    expect(r.computedSteps).toEqual({ static: { videos: 2, mean: 10 }, fast: { videos: 2, mean: 30 } });
    expect(formatReport(r)).toMatch(/colour accuracy:\s+100\.0%/);
  });

  it('counts what a video does not show', async () => {
    const wrong = async (req: GenerateRequest) =>
      result(req, render([255, 255, 255], [{ shape: 'triangle', rgb: [0, 200, 0], at: () => ({ x: 16, y: 16, r: 5 }) }]), 30);
    const r = await runEval(g, prompts, wrong, { seeds: 1, steps: 30, guidance: 7, policy: { kind: 'none' } });
    expect(r.accuracies).toMatchObject({ color: 0, background: 0, shape: 0, motion: 0.5 });
  });

  it('rejects bad prompt files and options', async () => {
    expect(() => readPrompts(g, 'a red circle on a black background')).toThrow(/line 1/);
    expect(() => readPrompts(g, '# nothing\n')).toThrow(EvalInputError);
    await expect(runEval(g, prompts, faithful, { seeds: 0, steps: 30, guidance: 7, policy: { kind: 'none' } })).rejects.toThrow(
      EvalInputError,
    );
  });
});
