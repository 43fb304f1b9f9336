/** WGSL sources read from shaders/ in Node (tests, tools); the browser uses shaders.browser.ts. */
import { readFile } from 'node:fs/promises';
import { SHADER_NAMES, checkShaderSources, type ShaderName, type ShaderSources } from './shaderSources.ts';

const SHADER_DIR = new URL('../../shaders/', import.meta.url);

export async function loadShaderSources(dir: URL = SHADER_DIR): Promise<ShaderSources> {
  const texts = await Promise.all(SHADER_NAMES.map((name) => readFile(new URL(`${name}.wgsl`, dir), 'utf8')));
  const sources = Object.fromEntries(SHADER_NAMES.map((name, i) => [name, texts[i]!])) as Record<ShaderName, string>;
  return checkShaderSources(sources);
}
