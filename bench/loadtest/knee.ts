/**
 * Where a curve bends: the point farthest from the straight line through its ends, both axes
 * scaled to [0, 1] (the idea behind Kneedle). A curve that stays within `minDistance` of that
 * line has no knee: it is still straight over the range measured.
 */
export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Knee extends Point {
  readonly index: number;
  /** Distance from the chord in the unit square (0 = on the line). */
  readonly distance: number;
}

export function findKnee(points: readonly Point[], minDistance = 0.05): Knee | null {
  if (points.some((p) => !Number.isFinite(p.x) || !Number.isFinite(p.y))) throw new RangeError('findKnee: every point needs finite x and y');
  const sorted = [...points].sort((a, b) => a.x - b.x);
  if (sorted.length < 3) return null;
  const xs = sorted.map((p) => p.x);
  const ys = sorted.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x1 === x0 || y1 === y0) return null;
  const norm = sorted.map((p) => ({ x: (p.x - x0) / (x1 - x0), y: (p.y - y0) / (y1 - y0) }));
  const a = norm[0]!;
  const b = norm[norm.length - 1]!;
  const length = Math.hypot(b.x - a.x, b.y - a.y);
  let best: Knee | null = null;
  for (let i = 1; i < norm.length - 1; i++) {
    const p = norm[i]!;
    const distance = Math.abs((b.x - a.x) * (a.y - p.y) - (a.x - p.x) * (b.y - a.y)) / length;
    if (distance >= minDistance && (!best || distance > best.distance)) best = { ...sorted[i]!, index: i, distance };
  }
  return best;
}

/** One line for the report: where the curve bends, or why it does not. */
export function describeKnee(points: readonly Point[], unit: { x: string; y: string }): string {
  if (points.length < 3) return `no knee: ${points.length} point${points.length === 1 ? '' : 's'} (needs 3 or more)`;
  const knee = findKnee(points);
  if (!knee) return 'no knee: the curve stays straight over the range measured';
  return `knee at ${knee.x} ${unit.x} (${formatNumber(knee.y)} ${unit.y})`;
}

export function formatNumber(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
}
