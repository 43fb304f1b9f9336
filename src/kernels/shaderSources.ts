/**
 * The WGSL kernels by name. The text lives only in shaders/*.wgsl; the browser gets it via
 * Vite's `?raw` (shaders.browser.ts), Node reads the files (shaders.node.ts).
 */
import { KernelInputError } from './errors.ts';

export const SHADER_NAMES = ['residualL1', 'frameShiftL1', 'pairSums', 'addSub', 'guidance', 'axpy'] as const;
export type ShaderName = (typeof SHADER_NAMES)[number];
export type ShaderSources = Readonly<Record<ShaderName, string>>;

export function checkShaderSources(sources: ShaderSources): ShaderSources {
  for (const name of SHADER_NAMES) {
    const text = sources?.[name];
    if (typeof text !== 'string' || !text.includes('@compute')) {
      throw new KernelInputError('shaders', `missing or empty WGSL source for '${name}'`);
    }
  }
  return sources;
}
