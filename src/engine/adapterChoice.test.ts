import { describe, expect, it } from 'vitest';
import { decideBackend, summarizeAdapter } from './adapterChoice.ts';

const swiftshader = summarizeAdapter({ vendor: 'google', architecture: 'swiftshader', device: '', description: '' }, false);
const llvmpipe = summarizeAdapter({ vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, false);
const nvidia = summarizeAdapter({ vendor: 'nvidia', architecture: 'ada', device: '', description: '' }, false);

describe('decideBackend', () => {
  it('recognises software adapters by name or fallback flag', () => {
    expect(swiftshader.software).toBe(true);
    expect(llvmpipe.software).toBe(true);
    expect(nvidia.software).toBe(false);
    expect(summarizeAdapter({ vendor: 'x' }, true).software).toBe(true);
  });

  it('auto picks WASM on a software adapter and says why', () => {
    const d = decideBackend('auto', swiftshader);
    expect(d.kind).toBe('wasm');
    expect(d.fallback).toMatch(/google swiftshader is a software WebGPU adapter/);
  });

  it('auto picks WebGPU on a hardware adapter', () => {
    expect(decideBackend('auto', nvidia)).toEqual({ kind: 'webgpu', reason: 'hardware WebGPU adapter nvidia ada' });
  });

  it('webgpu is honoured on software adapters, wasm always', () => {
    expect(decideBackend('webgpu', llvmpipe).kind).toBe('webgpu');
    expect(decideBackend('wasm', nvidia)).toEqual({ kind: 'wasm', reason: 'WASM backend requested' });
  });

  it('auto does not trust a nameless compatibility-only adapter', () => {
    const gl = summarizeAdapter({ vendor: '', architecture: '', device: '', description: '' }, false, true);
    expect(decideBackend('auto', gl).kind).toBe('wasm');
    expect(decideBackend('webgpu', gl).kind).toBe('webgpu');
    const named = summarizeAdapter({ vendor: 'qualcomm', architecture: 'adreno' }, false, true);
    expect(decideBackend('auto', named).kind).toBe('webgpu');
  });

  it('falls back to WASM with the reason when there is no adapter', () => {
    const d = decideBackend('webgpu', 'navigator.gpu is missing');
    expect(d.kind).toBe('wasm');
    expect(d.fallback).toBe('WebGPU unavailable (navigator.gpu is missing); running on WASM');
  });
});
