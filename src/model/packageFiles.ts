/**
 * Reads a model package folder in Node: the manifest and every file it lists, each checked
 * against its size and sha256 so a damaged package fails with a message, never with garbage.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadPackageError, parseManifest, type FileRole, type ModelManifest } from './manifest.ts';

export class ChecksumMismatchError extends Error {
  override name = 'ChecksumMismatchError';
}

export interface LoadedPackage {
  dir: string;
  manifest: ModelManifest;
  files: Partial<Record<FileRole, Uint8Array>>;
}

export function readManifest(dir: string): ModelManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new BadPackageError(`${dir} is not a model package: it has no manifest.json`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new BadPackageError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseManifest(json);
}

export function loadPackageDir(dir: string): LoadedPackage {
  const manifest = readManifest(dir);
  const files: LoadedPackage['files'] = {};
  for (const [role, entry] of Object.entries(manifest.files) as [FileRole, { path: string; bytes: number; sha256: string }][]) {
    const path = join(dir, entry.path);
    if (!existsSync(path)) throw new BadPackageError(`package file ${entry.path} (${role}) is missing from ${dir}`);
    const bytes = new Uint8Array(readFileSync(path));
    if (bytes.byteLength !== entry.bytes) {
      throw new ChecksumMismatchError(`${path} has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}: the file is partial or damaged`);
    }
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== entry.sha256) throw new ChecksumMismatchError(`${path} is damaged: sha256 ${sha.slice(0, 12)}…, the manifest says ${entry.sha256.slice(0, 12)}…`);
    files[role] = bytes;
  }
  return { dir, manifest, files };
}
