/** WGSL sources bundled by Vite as text (browser and Web Worker builds). */
import addSub from '../../shaders/addSub.wgsl?raw';
import axpy from '../../shaders/axpy.wgsl?raw';
import frameShiftL1 from '../../shaders/frameShiftL1.wgsl?raw';
import guidance from '../../shaders/guidance.wgsl?raw';
import pairSums from '../../shaders/pairSums.wgsl?raw';
import residualL1 from '../../shaders/residualL1.wgsl?raw';
import type { ShaderSources } from './shaderSources.ts';

export const browserShaderSources: ShaderSources = { residualL1, frameShiftL1, pairSums, addSub, guidance, axpy };
