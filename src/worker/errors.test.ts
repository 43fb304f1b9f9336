import { describe, expect, it } from 'vitest';
import { classifyError } from './errors.ts';

function named(name: string, message = 'x'): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

describe('classifyError', () => {
  it('maps error classes to what they mean to a person', () => {
    expect(classifyError(new DOMException('stopped', 'AbortError')).kind).toBe('cancelled');
    expect(classifyError(named('DeviceLostError')).kind).toBe('device-lost');
    expect(classifyError(named('NoAdapterError')).kind).toBe('no-webgpu');
    expect(classifyError(named('ChecksumMismatchError')).kind).toBe('bad-package');
    expect(classifyError(named('PackageFetchError')).kind).toBe('network');
    expect(classifyError(named('UnknownWordsError', 'unknown: zebra')).kind).toBe('unknown-words');
    expect(classifyError(named('EmptyPromptError')).kind).toBe('empty-prompt');
  });

  it('falls back to the message, then to internal', () => {
    expect(classifyError(new RangeError('Array buffer allocation failed')).kind).toBe('out-of-memory');
    expect(classifyError(new Error('GPU device was lost: destroyed')).kind).toBe('device-lost');
    const other = classifyError('boom');
    expect(other).toEqual({ name: 'Error', kind: 'internal', message: 'boom' });
  });
});
