import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { dropCollinear, downsample, simplifyCurve, type Point } from '../../../lambdas/core/report/model/downsample.ts';

const line = (n: number, f: (x: number) => number): Point[] => Array.from({ length: n }, (_, i) => ({ x: i, y: f(i) }));

describe('downsample (largest triangle three buckets)', () => {
  it('returns a short curve unchanged, as a copy', () => {
    const points = line(10, (x) => x * x);
    const out = downsample(points, 10);
    expect(out).toEqual(points);
    expect(out).not.toBe(points);
  });

  it('keeps exactly maxPoints, the first and last point included, in order', () => {
    const points = line(5000, (x) => Math.sin(x / 200));
    const out = downsample(points, 500);
    expect(out).toHaveLength(500);
    expect(out[0]).toBe(points[0]);
    expect(out[499]).toBe(points[4999]);
    for (let i = 1; i < out.length; i++) expect(out[i].x).toBeGreaterThan(out[i - 1].x);
  });

  it('keeps a one-point spike that even spacing would skip', () => {
    const points = line(1000, () => 0);
    points[537] = { x: 537, y: 10 };
    const out = downsample(points, 20);
    expect(out).toContainEqual({ x: 537, y: 10 });
    // Every 50th point would miss it.
    expect(points.filter((_, i) => i % 50 === 0)).not.toContainEqual({ x: 537, y: 10 });
  });

  it('keeps the corner of a staircase', () => {
    // Vertical from (0,0) to (0,1), then horizontal to (1,1): the ROC curve of a perfect ranking.
    const points: Point[] = [
      ...Array.from({ length: 400 }, (_, i) => ({ x: 0, y: i / 399 })),
      ...Array.from({ length: 600 }, (_, i) => ({ x: (i + 1) / 600, y: 1 })),
    ];
    const out = downsample(points, 10);
    expect(out).toContainEqual({ x: 0, y: 1 });
  });

  it('carries extra fields with the kept points', () => {
    const points = line(100, (x) => x % 7).map((p, i) => ({ ...p, threshold: 1 - i / 100 }));
    for (const p of downsample(points, 12)) expect(p.threshold).toBe(1 - p.x / 100);
  });

  it('rejects maxPoints below 3', () => {
    expect(() => downsample(line(10, (x) => x), 2)).toThrow(InvalidDataError);
    expect(() => downsample(line(10, (x) => x), 3.5)).toThrow(InvalidDataError);
  });
});

describe('dropCollinear', () => {
  it('drops the inner points of straight runs and keeps the corners', () => {
    const stairs: Point[] = [
      { x: 0, y: 0 },
      { x: 0, y: 0.25 },
      { x: 0, y: 0.5 },
      { x: 0.1, y: 0.5 },
      { x: 0.2, y: 0.5 },
      { x: 0.2, y: 1 },
      { x: 0.6, y: 1 },
      { x: 1, y: 1 },
    ];
    expect(dropCollinear(stairs)).toEqual([
      { x: 0, y: 0 },
      { x: 0, y: 0.5 },
      { x: 0.2, y: 0.5 },
      { x: 0.2, y: 1 },
      { x: 1, y: 1 },
    ]);
  });

  it('treats k/n coordinates that do not add up exactly as collinear', () => {
    const points = Array.from({ length: 301 }, (_, k) => ({ x: k / 301, y: (2 * k) / 301 }));
    expect(dropCollinear(points)).toEqual([points[0], points[300]]);
  });

  it('keeps a point where the curve turns back on the same line', () => {
    const points = [
      { x: 0, y: 0 },
      { x: 2, y: 0 },
      { x: 1, y: 0 },
    ];
    expect(dropCollinear(points)).toEqual(points);
  });
});

describe('simplifyCurve', () => {
  it('loses nothing on a staircase that collinear dropping makes short enough', () => {
    const stairs: Point[] = [];
    for (let k = 0; k < 100; k++) {
      for (let j = 0; j < 30; j++) stairs.push({ x: k / 100, y: (k + j / 30) / 100 });
      for (let j = 0; j < 30; j++) stairs.push({ x: (k + j / 30) / 100, y: (k + 1) / 100 });
    }
    const out = simplifyCurve(stairs, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out.length).toBeLessThan(stairs.length);
    expect(out[0]).toBe(stairs[0]);
    expect(out[out.length - 1]).toBe(stairs[stairs.length - 1]);
    // Every corner of the staircase survives.
    for (let k = 1; k < 100; k++) expect(out).toContainEqual({ x: k / 100, y: k / 100 });
  });
});
