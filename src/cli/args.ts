/** Flag parsing shared by the CLI commands: `--name value`, `--flag`, with clear errors. */
import { fileURLToPath } from 'node:url';

/** The embedded model package, found from this file so the CLI works from any directory. */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../public/models/shapes/', import.meta.url));

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  /** Flags that take a value. */
  values: readonly string[];
  /** Boolean flags. */
  switches?: readonly string[];
  required?: readonly string[];
}

export class Flags {
  constructor(
    private readonly command: string,
    private readonly map: Map<string, string | true>,
  ) {}

  has(name: string): boolean {
    return this.map.has(name);
  }

  string(name: string): string | undefined {
    const v = this.map.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  need(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`${this.command}: --${name} is required`);
    return v;
  }

  number(name: string, opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
    const s = this.string(name);
    if (s === undefined) return undefined;
    const v = Number(s);
    const bad =
      s.trim() === '' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max);
    if (bad) {
      const range = [opts.integer ? 'an integer' : 'a number', opts.min !== undefined ? `>= ${opts.min}` : '', opts.max !== undefined ? `<= ${opts.max}` : ''].filter(Boolean).join(' ');
      throw new UsageError(`${this.command}: --${name} must be ${range}, got "${s}"`);
    }
    return v;
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const s = this.string(name);
    if (s === undefined) return fallback;
    if (!choices.includes(s as T)) throw new UsageError(`${this.command}: --${name} must be one of ${choices.join(', ')}, got "${s}"`);
    return s as T;
  }
}

export function parseFlags(command: string, argv: readonly string[], spec: FlagSpec): Flags {
  const map = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new UsageError(`${command}: unexpected argument "${a}" (flags start with --)`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (spec.values.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${command}: --${name} needs a value`);
      map.set(name, v);
    } else if (spec.switches?.includes(name)) {
      map.set(name, true);
    } else {
      const known = [...spec.values, ...(spec.switches ?? [])].map((f) => `--${f}`).join(' ');
      throw new UsageError(`${command}: unknown flag --${name} (known: ${known})`);
    }
  }
  for (const r of spec.required ?? []) if (!map.has(r)) throw new UsageError(`${command}: --${r} is required`);
  return new Flags(command, map);
}

export interface Command {
  summary: string;
  usage: string;
  run(argv: readonly string[]): Promise<void>;
}
