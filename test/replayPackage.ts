/** The reference checkpoint converted to an fp32 package in memory, for the replay tests. */
import { buildPackage, defaultProbeBlock } from '../src/convert/package.ts';
import type { PackageData } from '../src/engine/generate.ts';
import type { FileRole } from '../src/model/manifest.ts';
import { referenceConfig, referenceTensors } from './reference.ts';

export async function referencePackage(): Promise<PackageData> {
  const config = referenceConfig();
  const built = await buildPackage({
    name: 'reference-fp32',
    config,
    weights: referenceTensors('weights'),
    quant: 'fp32',
    sampling: { steps: 30, cfg: 7, height: 64, width: 64, numFrames: 17, fps: 24, latent: [4, 8, 8], useTimestepTransform: true, probeBlock: defaultProbeBlock(config.depth) },
  });
  const files: PackageData['files'] = {};
  for (const [role, f] of Object.entries(built.manifest.files) as [FileRole, { path: string }][]) files[role] = built.files.get(f.path)!;
  return { manifest: built.manifest, files };
}
