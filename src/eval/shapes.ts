/** The trainer's shapes (training/dataset.py) as the evaluator and its test renderer draw them. */

/** Area constants: area = k * halfSize^2. */
export const AREA_K: Record<string, number> = { circle: Math.PI, square: 4 * 0.81, triangle: (3 * Math.sqrt(3) / 4) * 1.69 };

function insideShape(shape: string, dx: number, dy: number, r: number): boolean {
  if (shape === 'circle') return dx * dx + dy * dy <= r * r;
  if (shape === 'square') return Math.max(Math.abs(dx), Math.abs(dy)) <= 0.9 * r;
  // pointing up, circumradius 1.3 r, centred on its centroid
  const R = 1.3 * r;
  return dy <= R / 2 && (Math.sqrt(3) / 2) * dx - dy / 2 <= R / 2 && -(Math.sqrt(3) / 2) * dx - dy / 2 <= R / 2;
}

/** Share of pixel (x, y) that `shape` of half-size r centred at (cx, cy) covers, by 4x4 supersampling. */
export function shapeCoverage(shape: string, x: number, y: number, cx: number, cy: number, r: number): number {
  let n = 0;
  for (let sy = 0; sy < 4; sy++) {
    for (let sx = 0; sx < 4; sx++) if (insideShape(shape, x + (sx + 0.5) / 4 - cx, y + (sy + 0.5) / 4 - cy, r)) n++;
  }
  return n / 16;
}
