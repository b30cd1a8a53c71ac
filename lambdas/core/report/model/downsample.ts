import { InvalidDataError } from '../../errors.ts';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * Drops the points that lie on the straight segment between their neighbours: lossless, and it
 * turns a ROC staircase of thousands of rows into its few hundred corners. A point where the
 * curve turns back stays, even when it is on the same line.
 */
export function dropCollinear<T extends Point>(points: readonly T[]): T[] {
  if (points.length <= 2) return points.slice();
  const kept: T[] = [points[0]];
  for (let i = 1; i < points.length - 1; i++) {
    const a = kept[kept.length - 1];
    const b = points[i];
    const c = points[i + 1];
    const cross = (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x);
    const forward = (b.x - a.x) * (c.x - b.x) + (b.y - a.y) * (c.y - b.y) >= 0;
    // Tolerance relative to the segment lengths, for coordinates like k / n that do not add up exactly.
    const scale = Math.hypot(b.x - a.x, b.y - a.y) * Math.hypot(c.x - b.x, c.y - b.y);
    if (!(Math.abs(cross) <= 1e-12 * scale && forward)) kept.push(b);
  }
  kept.push(points[points.length - 1]);
  return kept;
}

/**
 * The curve as drawn with at most `maxPoints` points: collinear points dropped first (no loss),
 * then, if still too many, thinned with {@link downsample}.
 */
export function simplifyCurve<T extends Point>(points: readonly T[], maxPoints: number): T[] {
  return downsample(dropCollinear(points), maxPoints);
}

/**
 * Thins a curve to at most `maxPoints` points with Largest-Triangle-Three-Buckets (Steinarsson
 * 2013): the first and last points stay, and each of the `maxPoints - 2` buckets in between keeps
 * the point that spans the largest triangle with the point kept before it and the mean of the
 * next bucket — the corners that give a ROC staircase its shape. Points are taken in their order
 * along the curve; extra fields travel with the kept points. A curve that is short enough comes
 * back unchanged (as a copy).
 */
export function downsample<T extends Point>(points: readonly T[], maxPoints: number): T[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 3) {
    throw new InvalidDataError(`maxPoints must be an integer >= 3 (first, last and one more), got ${maxPoints}`);
  }
  const n = points.length;
  if (n <= maxPoints) return points.slice();

  const kept: T[] = [points[0]];
  const bucketSize = (n - 2) / (maxPoints - 2);
  let previous = points[0];
  for (let b = 0; b < maxPoints - 2; b++) {
    const start = Math.floor(b * bucketSize) + 1;
    const end = Math.floor((b + 1) * bucketSize) + 1;
    // The next bucket; for the last bucket this is the final point alone.
    const nextEnd = Math.min(Math.floor((b + 2) * bucketSize) + 1, n);
    let meanX = 0;
    let meanY = 0;
    for (let i = end; i < nextEnd; i++) {
      meanX += points[i].x;
      meanY += points[i].y;
    }
    meanX /= nextEnd - end;
    meanY /= nextEnd - end;

    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      // Twice the triangle's area; the factor does not change which point wins.
      const area = Math.abs(
        (previous.x - meanX) * (points[i].y - previous.y) - (previous.x - points[i].x) * (meanY - previous.y),
      );
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    previous = points[best];
    kept.push(previous);
  }
  kept.push(points[n - 1]);
  return kept;
}
