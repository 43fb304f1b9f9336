import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import type { GenerateRequest } from '../../engine/api.ts';
import { createEngine } from '../../engine/generate.ts';
import { createNodeBackend } from '../../engine/nodeBackend.ts';
import { loadPackageDir } from '../../model/packageFiles.ts';
import { parseGrammar } from '../../eval/grammar.ts';
import { formatReport, readPrompts, runEval } from '../../eval/run.ts';
import { DEFAULT_MODEL_DIR, parseFlags, type Command } from '../args.ts';
import { readFileOrFail } from './convert.ts';
import { policyFromFlags } from './sample.ts';
import { composeStrip } from '../../video/strip.ts';

export const evalCommand: Command = {
  summary: 'generate each prompt at each seed and measure from the pixels whether the video shows what was asked',
  usage:
    'eval [--model DIR (default: the embedded model)] [--prompts FILE] [--seeds N] [--steps N] [--cfg X] [--grammar FILE] [--out report.json] ' +
    '[--policy none|adacache|static|teacache] [--codebook ...] [--moreg] [--limit N] [--save-videos DIR (one PNG strip per video)]',
  async run(argv) {
    const f = parseFlags('eval', argv, {
      values: ['model', 'prompts', 'seeds', 'steps', 'cfg', 'grammar', 'out', 'policy', 'codebook', 'probe-block', 'interval', 'threshold', 'limit', 'save-videos'],
      switches: ['moreg'],
      required: [],
    });
    const grammarPath = f.string('grammar') ?? 'training/grammar.json';
    let grammarJson: unknown;
    try {
      grammarJson = JSON.parse(new TextDecoder().decode(readFileOrFail(grammarPath, 'grammar')));
    } catch (e) {
      throw new Error(`eval: ${grammarPath} is not JSON: ${(e as Error).message}`);
    }
    const g = parseGrammar(grammarJson);
    const promptsPath = f.string('prompts') ?? 'training/heldout_prompts.txt';
    let prompts = readPrompts(g, readFileSync(promptsPath, 'utf8'));
    const limit = f.number('limit', { integer: true, min: 1 });
    if (limit) prompts = prompts.slice(0, limit);
    const pkg = loadPackageDir(f.string('model') ?? DEFAULT_MODEL_DIR);
    const m = pkg.manifest;
    const videosDir = f.string('save-videos');
    if (videosDir) mkdirSync(videosDir, { recursive: true });
    const backend = await createNodeBackend();
    const engine = await createEngine(pkg, backend);
    try {
      const report = await runEval(g, prompts, (req: GenerateRequest) => engine.generate(req), {
        seeds: f.number('seeds', { integer: true, min: 1 }) ?? 1,
        steps: f.number('steps', { integer: true, min: 2 }) ?? m.sampling.steps,
        guidance: f.number('cfg', { min: 0 }) ?? m.sampling.cfg,
        policy: policyFromFlags(f),
        onItem: (item, done, total, video) => {
          if (videosDir) {
            // native size, no gaps: a saved video can be looked at and measured again
            const strip = composeStrip(video, { scale: 1, gap: 0 });
            writeFileSync(join(videosDir, `${String(done - 1).padStart(4, '0')}_seed${item.seed}.png`), encodePng({ ...strip, channels: 4 }));
          }
          const ok = Object.entries(item.correct)
            .filter(([, v]) => v !== null)
            .map(([k, v]) => `${k} ${v ? 'ok' : 'NO'}`)
            .join(', ');
          console.error(`[${done}/${total}] seed ${item.seed} "${item.prompt}": ${ok}; ${item.computedSteps} computed steps, ${(item.wallMs / 1000).toFixed(1)} s`);
        },
      });
      const out = f.string('out') ?? 'eval-report.json';
      writeFileSync(out, JSON.stringify({ model: m.name, prompts: promptsPath, ...report }, null, 1) + '\n');
      console.log(`${formatReport(report)}\nreport: ${out}`);
    } finally {
      await engine.dispose();
    }
  },
};
