/** Turns whatever the engine threw into something the page can explain to a person. */
import type { ErrorKind, WorkerError } from './protocol.ts';

const BY_NAME: [RegExp, ErrorKind][] = [
  [/^AbortError$|Cancel/i, 'cancelled'],
  [/DeviceLost/i, 'device-lost'],
  [/NoAdapter|NoWebGpu|WebGpuUnavailable/i, 'no-webgpu'],
  [/OutOfMemory/i, 'out-of-memory'],
  [/EmptyPrompt/i, 'empty-prompt'],
  [/UnknownWord|UnknownToken|Vocabulary/i, 'unknown-words'],
  [/PackageFetch/i, 'network'],
  [/Checksum|Manifest|Package|Safetensors|Convert/i, 'bad-package'],
  [/Request|Validation|Input|Policy|Codebook/i, 'invalid-request'],
];

const BY_MESSAGE: [RegExp, ErrorKind][] = [
  [/device (was |is )?lost|device lost/i, 'device-lost'],
  [/out of memory|allocation failed|\bOOM\b|not enough memory/i, 'out-of-memory'],
  [/has no words|prompt is empty/i, 'empty-prompt'],
];

export function classifyError(e: unknown): WorkerError {
  const err = e instanceof Error ? e : new Error(String(e));
  const name = err.name || 'Error';
  let kind: ErrorKind = 'internal';
  for (const [re, k] of BY_NAME) {
    if (re.test(name)) {
      kind = k;
      break;
    }
  }
  if (kind === 'internal') {
    for (const [re, k] of BY_MESSAGE) {
      if (re.test(err.message)) {
        kind = k;
        break;
      }
    }
  }
  const message =
    kind === 'cancelled'
      ? 'The run was stopped. Finished videos are kept; press Generate to start again.'
      : kind === 'out-of-memory'
        ? `The device ran out of memory (${err.message}). Try fewer steps, or close other tabs and reload.`
        : err.message || name;
  return { name, kind, message };
}
