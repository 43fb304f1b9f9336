/**
 * Measures from the pixels what a generated video shows: background colour, object colours,
 * and per object its shape, motion and speed class. Only the grammar's palettes and nominal
 * speeds are used; nothing about the prompt enters a measurement except which colour to follow
 * when a prompt has two objects.
 */
import type { VideoFrames } from '../engine/api.ts';
import { type Grammar, type MotionDef, nominalSpeed } from './grammar.ts';
import { AREA_K, shapeCoverage } from './shapes.ts';

export class MeasureError extends Error {
  override name = 'MeasureError';
}

export interface ObjectMeasurement {
  color: string;
  /** Pixels of this colour (coverage >= 0.5) summed over all frames. */
  pixels: number;
  shape: string | null;
  /**
   * Per shape, the mean over frames of the IoU between the object's largest blob and that shape as
   * the renderer draws it with the blob's area and centroid; `shape` is the best of them.
   */
  shapeIoU: Record<string, number> | null;
  /** Median over frames of (pixels / bounding-box area), a diagnostic (the shape rule before stop 32). */
  fill: number | null;
  motion: string | null;
  speed: string | null;
  /** px/frame: centroid velocity (translate), mean |vy| (bounce) or half-size rate (scale). */
  speedValue: number | null;
  track: { frame: number; x: number; y: number; area: number }[];
}

export interface VideoMeasurement {
  background: string;
  backgroundRGB: [number, number, number];
  /** Colours with object pixels, most pixels first. */
  colors: { color: string; pixels: number }[];
}

/** Pixels nearer than this to the background colour (RGB distance, 0..1 scale) are background. */
const BG_DIST = 0.15;
/** Largest distance to the line background -> palette colour for a pixel to take that colour. */
const MAX_RESIDUAL = 0.35;
/** Frames where an object covers fewer pixels are not used for its shape or track. */
const MIN_AREA = 4;
/** Colours with fewer pixels than this share of the video's object pixels are noise. */
const MIN_COLOR_SHARE = 0.05;

function checkVideo(v: VideoFrames): void {
  const n = v.frames * v.height * v.width * 3;
  if (!(v.frames > 0 && v.height > 1 && v.width > 1) || v.rgb.length !== n) {
    throw new MeasureError(`video has ${v.rgb.length} values, expected frames*height*width*3 = ${n}`);
  }
}

function nearest(palette: Record<string, readonly number[]>, rgb: readonly number[]): string {
  let best = '';
  let bd = Infinity;
  for (const [name, c] of Object.entries(palette)) {
    const d = (c[0]! / 255 - rgb[0]!) ** 2 + (c[1]! / 255 - rgb[1]!) ** 2 + (c[2]! / 255 - rgb[2]!) ** 2;
    if (d < bd) {
      bd = d;
      best = name;
    }
  }
  return best;
}

/** Per-pixel colour labels: index into the object palette, or -1 for background. */
interface Labels {
  names: string[];
  label: Int16Array;
  coverage: Float32Array;
}

function labelPixels(g: Grammar, v: VideoFrames, bg: readonly number[]): Labels {
  const names = Object.keys(g.colors);
  const cols = names.map((n) => g.colors[n]!.map((x) => x / 255));
  const count = v.frames * v.height * v.width;
  const label = new Int16Array(count).fill(-1);
  const coverage = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const d0 = v.rgb[3 * i]! - bg[0]!;
    const d1 = v.rgb[3 * i + 1]! - bg[1]!;
    const d2 = v.rgb[3 * i + 2]! - bg[2]!;
    if (d0 * d0 + d1 * d1 + d2 * d2 < BG_DIST * BG_DIST) continue;
    // unmix: pixel = bg + c * (colour - bg); pick the colour whose line passes nearest
    let best = -1;
    let bestRes = MAX_RESIDUAL;
    let bestC = 0;
    for (let k = 0; k < cols.length; k++) {
      const o = cols[k]!;
      const e0 = o[0]! - bg[0]!;
      const e1 = o[1]! - bg[1]!;
      const e2 = o[2]! - bg[2]!;
      const ee = e0 * e0 + e1 * e1 + e2 * e2;
      if (ee < 1e-6) continue;
      const c = (d0 * e0 + d1 * e1 + d2 * e2) / ee;
      if (c < 0.25 || c > 1.5) continue;
      const res = Math.hypot(d0 - c * e0, d1 - c * e1, d2 - c * e2);
      if (res < bestRes) {
        bestRes = res;
        best = k;
        bestC = c;
      }
    }
    label[i] = best;
    coverage[i] = bestC;
  }
  return { names, label, coverage };
}

export function measureBackground(g: Grammar, v: VideoFrames): { name: string; rgb: [number, number, number] } {
  checkVideo(v);
  const { frames: T, height: H, width: W } = v;
  const votes = new Map<string, { n: number; sum: [number, number, number] }>();
  for (let t = 0; t < T; t++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (y !== 0 && y !== H - 1 && x !== 0 && x !== W - 1) continue;
        const i = 3 * ((t * H + y) * W + x);
        const px = [v.rgb[i]!, v.rgb[i + 1]!, v.rgb[i + 2]!];
        const name = nearest(g.backgrounds, px);
        const e = votes.get(name) ?? { n: 0, sum: [0, 0, 0] };
        e.n++;
        e.sum[0] += px[0]!;
        e.sum[1] += px[1]!;
        e.sum[2] += px[2]!;
        votes.set(name, e);
      }
    }
  }
  let best: [string, { n: number; sum: [number, number, number] }] | null = null;
  for (const e of votes) if (!best || e[1].n > best[1].n) best = e;
  const [name, e] = best!;
  return { name, rgb: [e.sum[0] / e.n, e.sum[1] / e.n, e.sum[2] / e.n] };
}

function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const DIRECTIONS = ['right', 'down-right', 'down', 'down-left', 'left', 'up-left', 'up', 'up-right'];

/** Speed class nearer (in log scale) to the measured value. */
function speedClass(g: Grammar, kind: MotionDef['kind'], value: number): string {
  let best = '';
  let bd = Infinity;
  for (const sp of Object.keys(g.speeds)) {
    const d = Math.abs(Math.log(Math.max(value, 1e-3)) - Math.log(nominalSpeed(g, kind, sp)));
    if (d < bd) {
      bd = d;
      best = sp;
    }
  }
  return best;
}

function motionName(g: Grammar, kind: MotionDef['kind'], pred: (m: MotionDef, name: string) => boolean): string {
  const e = Object.entries(g.motions).find(([n, m]) => m.kind === kind && pred(m, n));
  if (!e) throw new MeasureError(`grammar has no ${kind} motion for this measurement`);
  return e[0];
}

/** The largest 8-connected set of `mask` pixels (flat indices into one H x W frame). */
function largestBlob(mask: Uint8Array, H: number, W: number): number[] {
  const seen = new Uint8Array(mask.length);
  let best: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    const blob = [start];
    seen[start] = 1;
    for (let q = 0; q < blob.length; q++) {
      const x = blob[q]! % W;
      const y = (blob[q]! - x) / W;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(H - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(W - 1, x + 1); nx++) {
          const j = ny * W + nx;
          if (mask[j] && !seen[j]) {
            seen[j] = 1;
            blob.push(j);
          }
        }
      }
    }
    if (blob.length > best.length) best = blob;
  }
  return best;
}

/**
 * Per shape, the IoU of a blob with that shape drawn at the blob's centroid with the blob's area
 * (pixels at least half covered, as the evaluator's 0.5 coverage cut reads the renderer's
 * antialiased edges). No free parameters: the shapes and their area constants are the renderer's.
 */
function blobShapeIoUs(blob: readonly number[], W: number, H: number, shapes: readonly string[]): Record<string, number> {
  let cx = 0;
  let cy = 0;
  const inBlob = new Uint8Array(W * H);
  for (const i of blob) {
    cx += (i % W) + 0.5;
    cy += Math.floor(i / W) + 0.5;
    inBlob[i] = 1;
  }
  cx /= blob.length;
  cy /= blob.length;
  const out: Record<string, number> = {};
  for (const shape of shapes) {
    const r = Math.sqrt(blob.length / AREA_K[shape]!);
    let inter = 0;
    let tmpl = 0;
    const reach = Math.ceil(1.3 * r) + 1;
    for (let y = Math.max(0, Math.floor(cy - reach)); y <= Math.min(H - 1, Math.ceil(cy + reach)); y++) {
      for (let x = Math.max(0, Math.floor(cx - reach)); x <= Math.min(W - 1, Math.ceil(cx + reach)); x++) {
        if (shapeCoverage(shape, x, y, cx, cy, r) < 0.5) continue;
        tmpl++;
        inter += inBlob[y * W + x]!;
      }
    }
    out[shape] = inter / (blob.length + tmpl - inter);
  }
  return out;
}

function measureObject(g: Grammar, v: VideoFrames, labels: Labels, color: string): ObjectMeasurement {
  const { frames: T, height: H, width: W } = v;
  const k = labels.names.indexOf(color);
  const unknown = g.shapes.filter((s) => !(s in AREA_K));
  if (unknown.length) throw new MeasureError(`the evaluator cannot draw shape(s) ${unknown.join(', ')}; it knows ${Object.keys(AREA_K).join(', ')}`);
  const track: ObjectMeasurement['track'] = [];
  const fills: number[] = [];
  const iouSums: Record<string, number> = Object.fromEntries(g.shapes.map((s) => [s, 0]));
  let iouFrames = 0;
  const mask = new Uint8Array(H * W);
  let pixels = 0;
  for (let t = 0; t < T; t++) {
    mask.fill(0);
    let n = 0;
    let sx = 0;
    let sy = 0;
    let x0 = W;
    let x1 = -1;
    let y0 = H;
    let y1 = -1;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (t * H + y) * W + x;
        if (labels.label[i] !== k || labels.coverage[i]! < 0.5) continue;
        mask[y * W + x] = 1;
        n++;
        sx += x + 0.5;
        sy += y + 0.5;
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
    pixels += n;
    if (n < MIN_AREA) continue;
    track.push({ frame: t, x: sx / n, y: sy / n, area: n });
    fills.push(n / ((x1 - x0 + 1) * (y1 - y0 + 1)));
    const blob = largestBlob(mask, H, W);
    if (blob.length < MIN_AREA) continue;
    const ious = blobShapeIoUs(blob, W, H, g.shapes);
    for (const shape of g.shapes) iouSums[shape]! += ious[shape]!;
    iouFrames++;
  }
  const out: ObjectMeasurement = { color, pixels, shape: null, shapeIoU: null, fill: null, motion: null, speed: null, speedValue: null, track };
  if (track.length < Math.max(3, T / 2) || iouFrames === 0) return out;
  out.fill = median(fills);
  out.shapeIoU = Object.fromEntries(g.shapes.map((s) => [s, iouSums[s]! / iouFrames]));
  out.shape = g.shapes.reduce((a, b) => (out.shapeIoU![b]! > out.shapeIoU![a]! ? b : a));

  const f = track.map((p) => p.frame);
  const vx = slope(f, track.map((p) => p.x));
  const vy = slope(f, track.map((p) => p.y));
  const kArea = AREA_K[out.shape]!;
  const vr = slope(f, track.map((p) => Math.sqrt(p.area / kArea)));
  let yPath = 0;
  for (let i = 1; i < track.length; i++) yPath += Math.abs(track[i]!.y - track[i - 1]!.y);
  const yNet = Math.abs(track.at(-1)!.y - track[0]!.y);
  const span = track.at(-1)!.frame - track[0]!.frame;
  const speed = Math.hypot(vx, vy);
  let kind: MotionDef['kind'];
  if (Math.abs(vr) >= 0.08 && Math.abs(vr) > 0.5 * speed) {
    kind = 'scale';
    out.speedValue = Math.abs(vr);
    out.motion = motionName(g, kind, (m) => Math.sign(m.sign ?? 0) === Math.sign(vr));
  } else if (yPath > 2 * yNet + 3) {
    kind = 'bounce';
    out.speedValue = yPath / span;
    out.motion = motionName(g, kind, () => true);
  } else if (speed < 0.2) {
    kind = 'none';
    out.motion = motionName(g, kind, () => true);
  } else {
    kind = 'translate';
    out.speedValue = speed;
    const sector = ((Math.round(Math.atan2(vy, vx) / (Math.PI / 4)) % 8) + 8) % 8;
    const dir = DIRECTIONS[sector]!;
    out.motion = motionName(g, kind, (_m, name) => name === dir);
  }
  if (kind !== 'none') out.speed = speedClass(g, kind, out.speedValue!);
  return out;
}

/** Background and the object colours present. */
export function measureVideo(g: Grammar, v: VideoFrames): VideoMeasurement & { labels: Labels } {
  const bg = measureBackground(g, v);
  const labels = labelPixels(g, v, bg.rgb);
  const counts = new Array<number>(labels.names.length).fill(0);
  for (let i = 0; i < labels.label.length; i++) {
    if (labels.label[i]! >= 0 && labels.coverage[i]! >= 0.5) counts[labels.label[i]!]++;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const colors = labels.names
    .map((color, i) => ({ color, pixels: counts[i]! }))
    .filter((c) => c.pixels > 0 && c.pixels >= MIN_COLOR_SHARE * total)
    .sort((a, b) => b.pixels - a.pixels);
  return { background: bg.name, backgroundRGB: bg.rgb, colors, labels };
}

/**
 * Measures `count` objects: the most common colours, or, where `followColors` names a colour
 * present in the video, that colour (so a two-object prompt's objects are matched by colour).
 */
export function measureObjects(
  g: Grammar,
  v: VideoFrames,
  count: number,
  followColors: readonly string[] = [],
): { video: VideoMeasurement; objects: (ObjectMeasurement | null)[] } {
  checkVideo(v);
  if (!(count >= 1)) throw new MeasureError(`object count must be >= 1, got ${count}`);
  const m = measureVideo(g, v);
  const present = m.colors.map((c) => c.color);
  const chosen: (string | null)[] = [];
  const pool = present.filter((c) => !followColors.slice(0, count).includes(c));
  for (let i = 0; i < count; i++) {
    const want = followColors[i];
    if (want && present.includes(want)) chosen.push(want);
    else chosen.push(pool.shift() ?? null);
  }
  const { labels, ...video } = m;
  return { video, objects: chosen.map((c) => (c ? measureObject(g, v, labels, c) : null)) };
}
