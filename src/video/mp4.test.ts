import { describe, expect, it } from 'vitest';
import { ArrayBufferTarget, Muxer } from 'mp4-muxer';
import { inspectMp4, Mp4FormatError } from './mp4.ts';

/** An MP4 made by mp4-muxer from raw (not decodable) VP9 chunks: enough to check the box reader. */
function muxed(frames: number, fps: number, fastStart: false | 'in-memory'): ArrayBuffer {
  const muxer = new Muxer({
    target: new ArrayBufferTarget(),
    video: { codec: 'vp9', width: 64, height: 48, frameRate: fps },
    fastStart,
  });
  const us = 1e6 / fps;
  const meta: EncodedVideoChunkMetadata = {
    decoderConfig: {
      codec: 'vp09.00.10.08',
      codedWidth: 64,
      codedHeight: 48,
      colorSpace: { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false },
    },
  };
  for (let i = 0; i < frames; i++) {
    muxer.addVideoChunkRaw(new Uint8Array([i, 1, 2, 3]), i === 0 ? 'key' : 'delta', Math.round(i * us), Math.round(us), i === 0 ? meta : undefined);
  }
  muxer.finalize();
  return muxer.target.buffer;
}

describe('inspectMp4', () => {
  it('reads boxes, sample count, size and duration', () => {
    const s = inspectMp4(muxed(17, 8, 'in-memory'));
    expect(s.topLevel).toEqual(['ftyp', 'moov', 'mdat']);
    expect(s.sampleEntry).toBe('vp09');
    expect([s.width, s.height]).toEqual([64, 48]);
    expect(s.samples).toBe(17);
    expect(s.duration).toBeCloseTo(17 / 8, 3);
    expect(s.movieDuration).toBeCloseTo(17 / 8, 3);
  });

  it('finds moov after mdat', () => {
    const s = inspectMp4(muxed(5, 24, false));
    expect(s.topLevel).toEqual(['ftyp', 'mdat', 'moov']);
    expect(s.samples).toBe(5);
    expect(s.duration).toBeCloseTo(5 / 24, 3);
  });

  it('rejects truncated files', () => {
    const bytes = new Uint8Array(muxed(5, 24, 'in-memory'));
    expect(() => inspectMp4(bytes.subarray(0, bytes.length - 3))).toThrow(Mp4FormatError);
    expect(() => inspectMp4(bytes.subarray(0, 24))).toThrow(Mp4FormatError);
  });
});
