import { writeFileSync } from 'node:fs';
import { createNodeBackend } from '../../engine/nodeBackend.ts';
import { Stdit3Model } from '../../engine/stdit3Model.ts';
import { loadPackageDir } from '../../model/packageFiles.ts';
import { parseSafetensors, readFloat, writeSafetensors } from '../../model/safetensors.ts';
import { parseFlags, UsageError, type Command } from '../args.ts';
import { readFileOrFail } from './convert.ts';

export const forwardCommand: Command = {
  summary: 'one model call on reference-style inputs (x, timestep, y, mask, fps, height, width)',
  usage: 'forward --model DIR --inputs FILE.safetensors --out FILE.safetensors',
  async run(argv) {
    const f = parseFlags('forward', argv, { values: ['model', 'inputs', 'out'], required: ['model', 'inputs', 'out'] });
    const pkg = loadPackageDir(f.need('model'));
    const inputsPath = f.need('inputs');
    const file = parseSafetensors(readFileOrFail(inputsPath, 'inputs'), inputsPath);
    const get = (n: string) => readFloat(file, n, inputsPath);
    const [x, timestep, y, mask, fps, height, width] = ['x', 'timestep', 'y', 'mask', 'fps', 'height', 'width'].map(get) as ReturnType<typeof get>[];
    const c = pkg.manifest.config;
    const B = x!.dims[0]!;
    if (x!.dims.length !== 5 || x!.dims[1] !== c.in_channels) throw new UsageError(`forward: x must be [B, ${c.in_channels}, T, H, W], got [${x!.dims}]`);
    const want: [string, { dims: number[] }, number[]][] = [
      ['timestep', timestep!, [B]],
      ['fps', fps!, [B]],
      ['y', y!, [B, 1, c.model_max_length, c.caption_channels]],
      ['mask', mask!, [B, c.model_max_length]],
    ];
    for (const [name, t, dims] of want) {
      if (t.dims.join() !== dims.join()) throw new UsageError(`forward: ${name} must be [${dims}], got [${t.dims}]`);
    }
    const backend = await createNodeBackend();
    const model = await Stdit3Model.load(pkg.manifest, pkg.files, backend);
    const size = model.sizeInputs([x!.dims[2]!, x!.dims[3]!, x!.dims[4]!], height!.data[0]!, width!.data[0]!);
    const up = (t: { data: Float32Array; dims: number[] }) => backend.upload(t.data, t.dims);
    const e = await model.embed(size, up(x!), up(timestep!), up(fps!), up(y!));
    const s = await model.stack(size, e, up(mask!), pkg.manifest.sampling.probeBlock);
    const out = await model.final(size, s.h_out, e.t_emb);
    const data = await backend.download(out);
    writeFileSync(f.need('out'), writeSafetensors({ out: { dims: [...out.dims], data } }));
    await model.release();
    console.log(`wrote out [${out.dims}] to ${f.need('out')}`);
  },
};
