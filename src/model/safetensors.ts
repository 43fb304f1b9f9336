/**
 * safetensors: an 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}}, then the raw little-endian data.
 * Works on bytes only, so the browser, the Web Worker and Node share it.
 */

export type SafeDtype = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I8' | 'U8' | 'F64';

const BYTES: Record<SafeDtype, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I8: 1, U8: 1, F64: 8 };

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

export interface RawTensor {
  dtype: SafeDtype;
  shape: number[];
  /** The tensor's bytes (a view into the file). */
  bytes: Uint8Array;
}

export type TensorArray = Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export interface Tensor {
  dims: number[];
  data: TensorArray;
  /** Stored dtype when writing; only 'F16' differs from the array's own type (float32 data stored as half). */
  dtype?: 'F16';
}

/** A float32 tensor, the form the converter and the engine work with. */
export interface FloatTensor {
  dims: number[];
  data: Float32Array;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Where one tensor's bytes lie, relative to the start of the file. */
export interface TensorEntry {
  dtype: SafeDtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Reads the header length from the first 8 bytes and checks it fits a file of `fileBytes` bytes;
 * returns the header's byte length (the header starts at byte 8).
 */
export function headerLength(first8: Uint8Array, fileBytes: number, what = 'safetensors file'): number {
  if (first8.byteLength < 8 || fileBytes < 8) throw new SafetensorsError(`${what} is too short to be a safetensors file`);
  const headerLen = Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
  if (headerLen <= 0 || 8 + headerLen > fileBytes) {
    throw new SafetensorsError(`${what}: header length ${headerLen} does not fit the ${fileBytes}-byte file`);
  }
  return headerLen;
}

/** Validates the JSON header (its bytes) against a file of `fileBytes` bytes; offsets are absolute. */
export function parseHeader(headerBytes: Uint8Array, fileBytes: number, what = 'safetensors file'): Map<string, TensorEntry> {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(headerBytes)) as Record<string, unknown>;
  } catch (e) {
    throw new SafetensorsError(`${what}: the header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError(`${what}: the header must be a JSON object of tensors`);
  }
  const dataStart = 8 + headerBytes.byteLength;
  const out = new Map<string, TensorEntry>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (typeof entry !== 'object' || entry === null) throw new SafetensorsError(`${what}: tensor ${name} has no {dtype, shape, data_offsets} entry`);
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: number[] };
    if (!e.dtype || !(e.dtype in BYTES)) throw new SafetensorsError(`${what}: tensor ${name} has unsupported dtype ${e.dtype}`);
    const dtype = e.dtype as SafeDtype;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`${what}: tensor ${name} has a bad shape`);
    }
    const [begin, end] = e.data_offsets ?? [];
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin! < 0 || begin! > end! || dataStart + end! > fileBytes) {
      throw new SafetensorsError(`${what}: tensor ${name} has data offsets outside the file`);
    }
    if (end! - begin! !== numel(e.shape) * BYTES[dtype]) {
      throw new SafetensorsError(`${what}: tensor ${name} [${e.shape}] ${dtype} needs ${numel(e.shape) * BYTES[dtype]} bytes, has ${end! - begin!}`);
    }
    out.set(name, { dtype, shape: e.shape, begin: dataStart + begin!, end: dataStart + end! });
  }
  return out;
}

/** Parses a safetensors file held in memory; `what` names it in error messages. */
export function parseSafetensors(file: Uint8Array, what = 'safetensors file'): Map<string, RawTensor> {
  const headerLen = headerLength(file, file.byteLength, what);
  const entries = parseHeader(file.subarray(8, 8 + headerLen), file.byteLength, what);
  const out = new Map<string, RawTensor>();
  for (const [name, e] of entries) out.set(name, { dtype: e.dtype, shape: e.shape, bytes: file.subarray(e.begin, e.end) });
  return out;
}

/** A copy on its own buffer (Node's Buffer#slice would share the whole file). */
function aligned(bytes: Uint8Array): ArrayBuffer {
  return Uint8Array.prototype.slice.call(bytes).buffer;
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Decodes a raw tensor to a typed array (floats of any width become float32). */
export function decodeTensor(t: RawTensor): Tensor {
  const dims = [...t.shape];
  switch (t.dtype) {
    case 'F32':
      return { dims, data: new Float32Array(aligned(t.bytes)) };
    case 'F64':
      return { dims, data: Float32Array.from(new Float64Array(aligned(t.bytes))) };
    case 'F16': {
      const h = new Uint16Array(aligned(t.bytes));
      return { dims, data: Float32Array.from(h, f16ToF32) };
    }
    case 'BF16': {
      const h = new Uint16Array(aligned(t.bytes));
      const u = new Uint32Array(h.length);
      for (let i = 0; i < h.length; i++) u[i] = h[i]! << 16;
      return { dims, data: new Float32Array(u.buffer) };
    }
    case 'I64':
      return { dims, data: new BigInt64Array(aligned(t.bytes)) };
    case 'I32':
      return { dims, data: new Int32Array(aligned(t.bytes)) };
    case 'I8':
      return { dims, data: new Int8Array(aligned(t.bytes)) };
    case 'U8':
      return { dims, data: new Uint8Array(aligned(t.bytes)) };
  }
}

/** Reads one tensor as float32 (integers are converted), with a clear error when absent. */
export function readFloat(tensors: Map<string, RawTensor>, name: string, what = 'file'): FloatTensor {
  const raw = tensors.get(name);
  if (!raw) throw new SafetensorsError(`${what} has no tensor named "${name}" (it has: ${[...tensors.keys()].join(', ')})`);
  const t = decodeTensor(raw);
  if (t.data instanceof Float32Array) return { dims: t.dims, data: t.data };
  return { dims: t.dims, data: Float32Array.from(t.data as ArrayLike<number | bigint>, Number) };
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** float32 -> IEEE half bits, rounding to nearest even (what numpy/torch .half() do). */
export function f32ToF16(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  const roundShift = (m: number, shift: number): number => {
    const mid = 2 ** (shift - 1);
    const rem = m % (2 * mid);
    let h = Math.floor(m / (2 * mid));
    if (rem > mid || (rem === mid && h & 1)) h++;
    return h;
  };
  // Subnormal halves: the implicit leading 1 becomes an explicit mantissa bit.
  if (e <= 0) return e < -10 ? sign : sign | roundShift(mant | 0x800000, 14 - e);
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  return sign | roundShift((e << 23) | mant, 13);
}

const DTYPE_OF = (data: TensorArray): SafeDtype =>
  data instanceof Float32Array ? 'F32' : data instanceof BigInt64Array ? 'I64' : data instanceof Int32Array ? 'I32' : data instanceof Int8Array ? 'I8' : 'U8';

function storedBytes(name: string, t: Tensor): Uint8Array {
  if (t.dtype !== 'F16') return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (!(t.data instanceof Float32Array)) throw new SafetensorsError(`tensor ${name}: F16 storage needs float32 data`);
  const h = Uint16Array.from(t.data, f32ToF16);
  return new Uint8Array(h.buffer);
}

/** Serialises tensors to a safetensors file (keys sorted, as the Python writer does). */
export function writeSafetensors(tensors: Record<string, Tensor>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    if (t.data.length !== numel(t.dims)) throw new SafetensorsError(`tensor ${name}: ${t.data.length} values do not fill [${t.dims}]`);
    const bytes = storedBytes(name, t);
    header[name] = { dtype: t.dtype ?? DTYPE_OF(t.data), shape: t.dims, data_offsets: [offset, offset + bytes.byteLength] };
    blobs.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const b of blobs) {
    out.set(b, pos);
    pos += b.byteLength;
  }
  return out;
}
