import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calibrate } from '../../cache/calibrate.ts';
import { BUILTIN_CODEBOOKS, formatCodebook } from '../../cache/codebook.ts';
import type { GenerateRequest } from '../../engine/api.ts';
import { createEngine } from '../../engine/generate.ts';
import { createNodeBackend } from '../../engine/nodeBackend.ts';
import { loadPackageDir } from '../../model/packageFiles.ts';
import { parseFlags, UsageError, type Command } from '../args.ts';
import { readCaption, requestFromFlags, SAMPLE_FLAGS } from './sample.ts';

const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() === true;

export const calibrateCommand: Command = {
  summary: 'baseline runs -> AdaCache thresholds for a target speedup, saved as a named codebook in the package',
  usage:
    'calibrate --model DIR --target X --name NAME (--prompts FILE|"a|b|..." | --prompts-file FILE | --caption-embeddings FILE[,FILE...]) ' +
    '[--seed N --steps N --cfg X --height H --width W --num-frames F --fps R --latent T,H,W] [--dry-run]',
  async run(argv) {
    const f = parseFlags('calibrate', argv, {
      values: [...SAMPLE_FLAGS.filter((k) => k !== 'prompt'), 'prompts', 'prompts-file', 'target', 'name'],
      switches: ['dry-run'],
      required: ['model', 'target', 'name'],
    });
    const dir = f.need('model');
    const name = f.need('name');
    if (!/^[A-Za-z0-9_-]+$/.test(name) || name in BUILTIN_CODEBOOKS) {
      throw new UsageError(`calibrate: --name must be letters, digits, _ or - and not a built-in (${Object.keys(BUILTIN_CODEBOOKS).join(', ')}), got "${name}"`);
    }
    const target = f.number('target', { min: 1 })!;
    const pkg = loadPackageDir(dir);
    const base = requestFromFlags(f, pkg.manifest);
    delete base.caption;
    const requests: Omit<GenerateRequest, 'policy'>[] = [];
    const captions = f.string('caption-embeddings');
    if (captions) for (const p of captions.split(',')) requests.push({ ...base, caption: readCaption(p) });
    const promptsFile = f.string('prompts-file');
    // --prompts names a file (one prompt a line) when one exists at that path, else it is "a|b|..." text.
    const promptsArg = f.string('prompts');
    const promptsText = promptsArg !== undefined && isFile(promptsArg) ? readFileSync(promptsArg, 'utf8').split('\n') : (promptsArg?.split('|') ?? []);
    const prompts = [
      ...promptsText,
      ...(promptsFile ? readFileSync(promptsFile, 'utf8').split('\n') : []),
    ].map((p) => p.trim()).filter(Boolean);
    for (const p of prompts) requests.push({ ...base, prompt: p });
    if (requests.length === 0) throw new UsageError('calibrate: give --prompts, --prompts-file or --caption-embeddings');
    const engine = await createEngine(pkg, await createNodeBackend());
    try {
      const cal = await calibrate(engine, requests, target, { onRun: (i) => console.log(`baseline run ${i + 1}/${requests.length}`) });
      console.log(`codebook ${name}: ${formatCodebook(cal.codebook)} (predicted ${cal.predictedSpeedup.toFixed(2)}x, thresholds x${cal.factor.toPrecision(4)} of the base codebook)`);
      if (f.has('dry-run')) return;
      const path = join(dir, 'manifest.json');
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as { codebooks?: Record<string, [number, number][]> };
      manifest.codebooks = { ...(manifest.codebooks ?? {}), [name]: cal.codebook };
      writeFileSync(path, JSON.stringify(manifest, null, 2) + '\n');
      console.log(`saved codebook "${name}" in ${path}`);
    } finally {
      await engine.dispose();
    }
  },
};
