import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, policyLabel, policyOf, settingsFromQuery, settingsToQuery, type Settings } from './settings.ts';

describe('URL settings', () => {
  it('round-trips every field', () => {
    const s: Settings = {
      ...DEFAULT_SETTINGS,
      prompt: 'a red circle moving left & fast',
      seed: 1234,
      steps: 12,
      guidance: 4.5,
      policy: 'adacache',
      codebook: '0.1:4,0.3:2',
      moreg: true,
      backend: 'webgpu',
    };
    expect(settingsFromQuery(settingsToQuery(s))).toEqual(s);
    const t: Settings = { ...DEFAULT_SETTINGS, policy: 'teacache', teacacheThreshold: 0.25 };
    expect(settingsFromQuery('?' + settingsToQuery(t))).toEqual(t);
    const st: Settings = { ...DEFAULT_SETTINGS, policy: 'static', staticInterval: 3 };
    expect(settingsFromQuery(settingsToQuery(st))).toEqual(st);
  });

  it('ignores invalid values', () => {
    const s = settingsFromQuery('steps=0&seed=-4&cfg=abc&policy=magic&codebook=<script>&moreg=yes&backend=cuda');
    expect(s).toEqual(DEFAULT_SETTINGS);
    expect(settingsFromQuery('steps=7.5').steps).toBe(DEFAULT_SETTINGS.steps);
  });

  it('builds the policy spec and its label', () => {
    const p = policyOf({ ...DEFAULT_SETTINGS, policy: 'adacache', codebook: 'slow', moreg: true });
    expect(p).toEqual({ kind: 'adacache', codebook: 'slow', moreg: true });
    expect(policyLabel(p)).toBe('AdaCache slow + MoReg');
    expect(policyLabel({ kind: 'none' })).toMatch(/Baseline/);
  });
});
