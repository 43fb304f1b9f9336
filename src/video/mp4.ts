/**
 * MP4 export: WebCodecs VideoEncoder + mp4-muxer. H.264 where the browser encodes it, else VP9,
 * else AV1 (all in MP4). Frames are enlarged by whole pixels so the small model output stays sharp.
 * `inspectMp4` reads back the boxes that matter (tests and a sanity check after export).
 */
import { ArrayBufferTarget, Muxer } from 'mp4-muxer';
import type { VideoFrames } from '../engine/api.ts';
import { frameToRgba, integerScale } from './raster.ts';

export type Mp4Codec = 'avc' | 'vp9' | 'av1';

export class NoVideoEncoderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoVideoEncoderError';
  }
}

export class Mp4FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Mp4FormatError';
  }
}

const CANDIDATES: { codec: Mp4Codec; string: string }[] = [
  // High profile level 4.0: up to 2048x1024, enough for any enlargement we make.
  { codec: 'avc', string: 'avc1.640028' },
  { codec: 'vp9', string: 'vp09.00.40.08' },
  { codec: 'av1', string: 'av01.0.08M.08' },
];

export interface Mp4Export {
  blob: Blob;
  codec: Mp4Codec;
  width: number;
  height: number;
  frames: number;
  fps: number;
}

/** The first codec the browser can encode at this size, in order of preference. */
export async function pickCodec(width: number, height: number, fps: number): Promise<{ codec: Mp4Codec; config: VideoEncoderConfig }> {
  if (typeof VideoEncoder === 'undefined') {
    throw new NoVideoEncoderError('this browser has no WebCodecs VideoEncoder, so it cannot write MP4 files');
  }
  for (const c of CANDIDATES) {
    const config: VideoEncoderConfig = {
      codec: c.string,
      width,
      height,
      framerate: fps,
      bitrate: Math.max(1_000_000, width * height * fps * 0.3),
      ...(c.codec === 'avc' ? { avc: { format: 'avc' as const } } : {}),
    };
    const support = await VideoEncoder.isConfigSupported(config).catch(() => ({ supported: false }));
    if (support.supported) return { codec: c.codec, config };
  }
  throw new NoVideoEncoderError('this browser cannot encode H.264, VP9 or AV1 video');
}

/** Encodes the video as MP4 at its own frame rate, each frame enlarged to about `target` pixels. */
export async function exportMp4(video: VideoFrames, target = 512): Promise<Mp4Export> {
  if (video.frames < 1) throw new RangeError('cannot export a video with no frames');
  if (!(video.fps > 0)) throw new RangeError(`frame rate must be positive, got ${video.fps}`);
  const scale = integerScale(video.height, video.width, target);
  const width = video.width * scale;
  const height = video.height * scale;
  const { codec, config } = await pickCodec(width, height, video.fps);
  const muxer = new Muxer({
    target: new ArrayBufferTarget(),
    video: { codec, width, height, frameRate: video.fps },
    fastStart: 'in-memory',
  });
  let failure: unknown = null;
  const encoder = new VideoEncoder({
    output: (chunk, meta) => muxer.addVideoChunk(chunk, meta),
    error: (e) => {
      failure = e;
    },
  });
  encoder.configure(config);
  const frameUs = 1e6 / video.fps;
  for (let f = 0; f < video.frames; f++) {
    const img = frameToRgba(video, f, scale);
    const frame = new VideoFrame(img.data, {
      format: 'RGBA',
      codedWidth: width,
      codedHeight: height,
      timestamp: Math.round(f * frameUs),
      duration: Math.round(frameUs),
    });
    encoder.encode(frame, { keyFrame: f === 0 });
    frame.close();
  }
  await encoder.flush();
  encoder.close();
  if (failure) throw failure;
  muxer.finalize();
  const blob = new Blob([muxer.target.buffer], { type: 'video/mp4' });
  return { blob, codec, width, height, frames: video.frames, fps: video.fps };
}

export interface Mp4Summary {
  /** Top-level box types in file order. */
  topLevel: string[];
  /** Sample entry of the video track, e.g. 'avc1', 'vp09', 'av01'. */
  sampleEntry: string;
  width: number;
  height: number;
  /** Number of samples (frames) in the video track, from stsz. */
  samples: number;
  /** Track duration in seconds (mdhd). */
  duration: number;
  /** Movie duration in seconds (mvhd). */
  movieDuration: number;
}

interface Box {
  type: string;
  start: number;
  /** First byte after the header. */
  body: number;
  end: number;
}

function boxesIn(view: DataView, start: number, end: number): Box[] {
  const out: Box[] = [];
  let p = start;
  while (p + 8 <= end) {
    let size = view.getUint32(p);
    const type = String.fromCharCode(view.getUint8(p + 4), view.getUint8(p + 5), view.getUint8(p + 6), view.getUint8(p + 7));
    let header = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(p + 8));
      header = 16;
    } else if (size === 0) {
      size = end - p;
    }
    if (size < header || p + size > end) throw new Mp4FormatError(`box '${type}' at ${p} overruns its parent`);
    out.push({ type, start: p, body: p + header, end: p + size });
    p += size;
  }
  if (p !== end) throw new Mp4FormatError(`${end - p} stray bytes at ${p}`);
  return out;
}

function child(view: DataView, parent: Box, type: string): Box {
  const b = boxesIn(view, parent.body, parent.end).find((x) => x.type === type);
  if (!b) throw new Mp4FormatError(`'${parent.type}' has no '${type}' box`);
  return b;
}

/** Duration of an mvhd/mdhd box in seconds (version 0 or 1). */
function headerDuration(view: DataView, box: Box): number {
  const v = view.getUint8(box.body);
  if (v === 1) return Number(view.getBigUint64(box.body + 24)) / view.getUint32(box.body + 20);
  return view.getUint32(box.body + 16) / view.getUint32(box.body + 12);
}

/** Reads the structure of a single-video-track MP4. */
export function inspectMp4(bytes: ArrayBuffer | Uint8Array): Mp4Summary {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const top = boxesIn(view, 0, u8.byteLength);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new Mp4FormatError('no moov box');
  const mvhd = child(view, moov, 'mvhd');
  const trak = child(view, moov, 'trak');
  const tkhd = child(view, trak, 'tkhd');
  const tkv = view.getUint8(tkhd.body);
  // tkhd: width/height are 16.16 fixed point at the end of the box
  const width = view.getUint32(tkhd.end - 8) / 65536;
  const height = view.getUint32(tkhd.end - 4) / 65536;
  if (tkv !== 0 && tkv !== 1) throw new Mp4FormatError(`unknown tkhd version ${tkv}`);
  const mdia = child(view, trak, 'mdia');
  const mdhd = child(view, mdia, 'mdhd');
  const stbl = child(view, child(view, mdia, 'minf'), 'stbl');
  // stsd: version/flags (4) + entry count (4), then the sample entries
  const stsd = child(view, stbl, 'stsd');
  const entries = boxesIn(view, stsd.body + 8, stsd.end);
  if (entries.length < 1) throw new Mp4FormatError('stsd has no sample entry');
  // stsz: version/flags (4), default sample size (4), sample count (4)
  const stsz = child(view, stbl, 'stsz');
  return {
    topLevel: top.map((b) => b.type),
    sampleEntry: entries[0]!.type,
    width,
    height,
    samples: view.getUint32(stsz.body + 8),
    duration: headerDuration(view, mdhd),
    movieDuration: headerDuration(view, mvhd),
  };
}
