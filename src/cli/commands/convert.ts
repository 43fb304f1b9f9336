import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage, defaultProbeBlock } from '../../convert/package.ts';
import { QUANTIZATIONS } from '../../convert/onnxGraph.ts';
import { parseStdit3Config } from '../../model/manifest.ts';
import { headerLength, parseHeader, readFloat, SafetensorsError, type FloatTensor } from '../../model/safetensors.ts';
import { parseFlags, UsageError, type Command } from '../args.ts';

export function readFileOrFail(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new UsageError(`${what} ${path} does not exist`);
  return new Uint8Array(readFileSync(path));
}

/**
 * All tensors of a safetensors checkpoint as float32, read tensor by tensor so a checkpoint larger
 * than Node's 2 GB single-read limit (STDiT3-XL's 4.8 GB) can be converted.
 */
export function readCheckpoint(path: string): Map<string, FloatTensor> {
  if (!existsSync(path)) throw new UsageError(`checkpoint ${path} does not exist`);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const read = (begin: number, end: number): Uint8Array => {
      const buf = new Uint8Array(end - begin);
      for (let done = 0; done < buf.byteLength; ) {
        const n = readSync(fd, buf, done, Math.min(buf.byteLength - done, 1 << 30), begin + done);
        if (n === 0) throw new SafetensorsError(`${path}: unexpected end of file`);
        done += n;
      }
      return buf;
    };
    const headerLen = headerLength(read(0, Math.min(8, size)), size, path);
    const entries = parseHeader(read(8, 8 + headerLen), size, path);
    const out = new Map<string, FloatTensor>();
    for (const [name, e] of entries) {
      const raw = new Map([[name, { dtype: e.dtype, shape: e.shape, bytes: read(e.begin, e.end) }]]);
      out.set(name, readFloat(raw, name, path));
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

export function writePackage(dir: string, files: Map<string, Uint8Array>): void {
  mkdirSync(dir, { recursive: true });
  for (const [path, bytes] of files) writeFileSync(join(dir, path), bytes);
}

export const convertCommand: Command = {
  summary: 'Open-Sora STDiT3 checkpoint (safetensors + config) -> model package',
  usage:
    'convert --weights FILE.safetensors --config FILE.json --out DIR [--quant fp32|int8|int4] [--name NAME] ' +
    '[--height PX --width PX --num-frames F --latent T,H,W --fps R --steps N --cfg X] [--no-timestep-transform]',
  async run(argv) {
    const f = parseFlags('convert', argv, {
      values: ['weights', 'config', 'out', 'quant', 'name', 'height', 'width', 'num-frames', 'latent', 'fps', 'steps', 'cfg'],
      switches: ['no-timestep-transform'],
      required: ['weights', 'config', 'out'],
    });
    const configPath = f.need('config');
    let configJson: unknown;
    try {
      configJson = JSON.parse(new TextDecoder().decode(readFileOrFail(configPath, 'config')));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`config ${configPath} is not valid JSON: ${(e as Error).message}`);
    }
    const config = parseStdit3Config(configJson, configPath);
    const quant = f.choice('quant', QUANTIZATIONS, 'fp32');
    const height = f.number('height', { integer: true, min: 1 }) ?? 64;
    const width = f.number('width', { integer: true, min: 1 }) ?? 64;
    const latentFlag = f.string('latent');
    const latent = latentFlag ? latentFlag.split(',').map(Number) : [4, Math.ceil(height / 8), Math.ceil(width / 8)];
    if (latent.length !== 3 || !latent.every((v) => Number.isInteger(v) && v > 0)) {
      throw new UsageError(`convert: --latent must be T,H,W positive integers, got "${latentFlag}"`);
    }
    const weights = readCheckpoint(f.need('weights'));
    const built = await buildPackage({
      name: f.string('name') ?? `stdit3-h${config.hidden_size}-d${config.depth}-${quant}`,
      config,
      weights,
      quant,
      sampling: {
        steps: f.number('steps', { integer: true, min: 1, max: 1000 }) ?? 30,
        cfg: f.number('cfg', { min: 0 }) ?? 7,
        height,
        width,
        numFrames: f.number('num-frames', { integer: true, min: 1 }) ?? 17,
        fps: f.number('fps', { integer: true, min: 1 }) ?? 24,
        latent: latent as [number, number, number],
        useTimestepTransform: !f.has('no-timestep-transform'),
        probeBlock: defaultProbeBlock(config.depth),
      },
    });
    const out = f.need('out');
    writePackage(out, built.files);
    const total = [...built.files.values()].reduce((a, b) => a + b.byteLength, 0);
    console.log(`wrote ${built.manifest.name} (${quant}, ${(total / 1e6).toFixed(2)} MB) to ${out}`);
  },
};
