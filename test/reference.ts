/** Access to the golden data in ../shared/reference/opensora-tiny (never copied into the repo). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStdit3Config, type Stdit3Config } from '../src/model/manifest.ts';
import { parseSafetensors, readFloat, type FloatTensor } from '../src/model/safetensors.ts';

export const REFERENCE_DIR = join(import.meta.dirname, '..', '..', 'shared', 'reference', 'opensora-tiny');

export function referenceConfig(): Stdit3Config {
  return parseStdit3Config(JSON.parse(readFileSync(join(REFERENCE_DIR, 'config.json'), 'utf8')));
}

export function referenceTensors(file: 'weights' | 'forward' | 'sampling'): Map<string, FloatTensor> {
  const raw = parseSafetensors(new Uint8Array(readFileSync(join(REFERENCE_DIR, `${file}.safetensors`))));
  return new Map([...raw.keys()].map((k) => [k, readFloat(raw, k)]));
}

/** max|a - b| / max|b|: the relative error the tests state their tolerances in. */
export function maxRelError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}
