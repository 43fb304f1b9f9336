import { describe, expect, it } from 'vitest';
import { decodeTensor, f32ToF16, parseSafetensors, readFloat, SafetensorsError, writeSafetensors } from './safetensors.ts';

/** A file from a literal header and data bytes, for the malformed cases the writer never makes. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerLen?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips F32, I64, I32, I8, U8 and float32 stored as F16, with an 8-byte aligned header', () => {
    const file = writeSafetensors({
      w: { dims: [2, 3], data: Float32Array.from([1, -2.5, 0, 3.25, 1e-3, -7]) },
      ids: { dims: [3], data: BigInt64Array.from([0n, -1n, 9007199254740993n]) },
      i32: { dims: [2], data: Int32Array.from([-5, 2 ** 31 - 1]) },
      i8: { dims: [2], data: Int8Array.from([-128, 127]) },
      u8: { dims: [1, 2], data: Uint8Array.from([0, 255]) },
      half: { dims: [5], data: Float32Array.from([1, -2.5, 65504, 0.1, 6e-8]), dtype: 'F16' },
    });
    const headerLen = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const t = parseSafetensors(file);
    expect([...t.keys()]).toEqual(['half', 'i32', 'i8', 'ids', 'u8', 'w']);
    expect(t.get('half')!.dtype).toBe('F16');
    expect(t.get('half')!.bytes.byteLength).toBe(10);
    expect(readFloat(t, 'w')).toEqual({ dims: [2, 3], data: Float32Array.from([1, -2.5, 0, 3.25, 1e-3, -7]) });
    expect(decodeTensor(t.get('ids')!).data).toEqual(BigInt64Array.from([0n, -1n, 9007199254740993n]));
    expect(decodeTensor(t.get('i32')!).data).toEqual(Int32Array.from([-5, 2 ** 31 - 1]));
    expect(decodeTensor(t.get('i8')!).data).toEqual(Int8Array.from([-128, 127]));
    expect(decodeTensor(t.get('u8')!)).toEqual({ dims: [1, 2], data: Uint8Array.from([0, 255]) });
    const half = readFloat(t, 'half').data;
    expect([...half.slice(0, 3)]).toEqual([1, -2.5, 65504]);
    expect(half[3]).toBeCloseTo(0.0999755859375, 12); // nearest half to 0.1
    expect(half[4]).toBe(2 ** -24); // 6e-8 rounds to the smallest subnormal half
  });

  it('rounds to nearest even into half and handles the special values', () => {
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(-0)).toBe(0x8000);
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to the even mantissa
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f32ToF16(65520)).toBe(0x7c00); // past the largest half: infinity
    expect(f32ToF16(-Infinity)).toBe(0xfc00);
    expect(f32ToF16(NaN) & 0x7c00).toBe(0x7c00);
    expect(f32ToF16(NaN) & 0x3ff).not.toBe(0);
    expect(f32ToF16(2 ** -14)).toBe(0x0400); // smallest normal
    expect(f32ToF16(2 ** -15)).toBe(0x0200); // subnormal
    expect(f32ToF16(2 ** -26)).toBe(0);
  });

  it('decodes BF16 and F64 from files other tools write', () => {
    const bf16 = Uint16Array.from([0x3f80, 0xc020]); // 1, -2.5
    const f64 = Float64Array.from([0.5, -3]);
    const data = new Uint8Array(4 + 16);
    data.set(new Uint8Array(bf16.buffer), 0);
    data.set(new Uint8Array(f64.buffer), 4);
    const t = parseSafetensors(
      rawFile({ __metadata__: { format: 'pt' }, a: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] }, b: { dtype: 'F64', shape: [2], data_offsets: [4, 20] } }, data),
    );
    expect([...readFloat(t, 'a').data]).toEqual([1, -2.5]);
    expect([...readFloat(t, 'b').data]).toEqual([0.5, -3]);
  });

  it('refuses malformed files with a message naming the problem', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(4), /too short/],
      [rawFile({}, new Uint8Array(0), 1000), /header length 1000 does not fit/],
      [rawFile('{not json'), /header is not JSON/],
      [rawFile('[1,2]'), /header must be a JSON object/],
      [rawFile({ a: 5 }), /tensor a has no \{dtype, shape, data_offsets\} entry/],
      [rawFile({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor a has unsupported dtype F8_E4M3/],
      [rawFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor a has a bad shape/],
      [rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)), /tensor a has data offsets outside the file/],
      [rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /tensor a \[3\] F32 needs 12 bytes, has 8/],
    ];
    for (const [file, message] of cases) {
      expect(() => parseSafetensors(file, 'x.safetensors')).toThrow(SafetensorsError);
      expect(() => parseSafetensors(file, 'x.safetensors')).toThrow(message);
    }
    const ok = parseSafetensors(writeSafetensors({ a: { dims: [1], data: new Float32Array(1) } }), 'x.safetensors');
    expect(() => readFloat(ok, 'b', 'x.safetensors')).toThrow(/x\.safetensors has no tensor named "b" \(it has: a\)/);
    expect(() => writeSafetensors({ a: { dims: [2, 2], data: new Float32Array(3) } })).toThrow(/tensor a: 3 values do not fill \[2,2\]/);
    expect(() => writeSafetensors({ a: { dims: [1], data: new Int8Array(1), dtype: 'F16' } })).toThrow(/F16 storage needs float32 data/);
  });
});
