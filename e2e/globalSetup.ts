/**
 * The e2e suite runs against the converted reference checkpoint (tiny, random weights: fast even on
 * SwiftShader). It is converted with the project's CLI into public/models (gitignored) and copied
 * into the built app that `vite preview` serves.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REF_MODEL } from './helpers.ts';

const REFERENCE = '../shared/reference/opensora-tiny';

export default async function globalSetup(): Promise<void> {
  const pub = join('public', REF_MODEL);
  if (!existsSync(join(pub, 'manifest.json'))) {
    if (!existsSync(join(REFERENCE, 'weights.safetensors'))) {
      throw new Error(`e2e needs the reference checkpoint at ${REFERENCE} (see the developers' guide)`);
    }
    execFileSync(
      'npx',
      ['tsx', 'src/cli/main.ts', 'convert', '--weights', join(REFERENCE, 'weights.safetensors'), '--config', join(REFERENCE, 'config.json'),
        '--out', pub, '--name', 'opensora-tiny-ref'],
      { stdio: 'inherit' },
    );
  }
  if (!existsSync('dist/index.html')) throw new Error('build the app first (npm run test:e2e does: vite build && playwright test)');
  const served = join('dist', REF_MODEL);
  mkdirSync(served, { recursive: true });
  cpSync(pub, served, { recursive: true });
}
