import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { SeededRandom } from '../../../lambdas/core/ml/random.ts';

function draws(rng: SeededRandom, count: number, draw: (r: SeededRandom) => number): number[] {
  return Array.from({ length: count }, () => draw(rng));
}

function meanAndVariance(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { mean, variance };
}

describe('SeededRandom', () => {
  it('matches the reference C xoshiro128** seeded by SplitMix32 (platform-independent stream)', () => {
    // Produced by Vigna's xoshiro128starstar.c with s[0..3] = four splitmix32 outputs from x = 42.
    const rng = new SeededRandom(42);
    expect(draws(rng, 5, (r) => r.nextUint32())).toEqual([2837322924, 544945897, 479756282, 3500138142, 339756180]);
  });

  it('repeats the same mixed sequence for the same seed', () => {
    const sequence = (seed: number): number[] => {
      const rng = new SeededRandom(seed);
      return draws(rng, 50, (r) => r.next() + r.nextInt(1000) + r.normal() + r.uniform(-3, 7));
    };
    expect(sequence(7)).toEqual(sequence(7));
  });

  it('gives different streams for different seeds, including seeds that differ above bit 31', () => {
    const first = (seed: number): number[] => draws(new SeededRandom(seed), 8, (r) => r.nextUint32());
    expect(first(1)).not.toEqual(first(2));
    expect(first(1)).not.toEqual(first(2 ** 32 + 1));
    expect(first(-1)).not.toEqual(first(1));
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new SeededRandom(1.5)).toThrow(InvalidDataError);
    expect(() => new SeededRandom(Number.NaN)).toThrow(/safe integer/);
  });

  it('draws uniforms in [0, 1) with mean 1/2 and variance 1/12', () => {
    const values = draws(new SeededRandom(3), 100_000, (r) => r.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const { mean, variance } = meanAndVariance(values);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 2);
  });

  it('uniform(low, high) stays in [low, high)', () => {
    const values = draws(new SeededRandom(4), 10_000, (r) => r.uniform(200, 240));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...values)).toBeLessThan(240);
    expect(meanAndVariance(values).mean).toBeCloseTo(220, 0);
  });

  it('nextInt(n) covers 0…n−1 evenly', () => {
    const counts = new Array<number>(6).fill(0);
    const rng = new SeededRandom(5);
    for (let k = 0; k < 60_000; k++) counts[rng.nextInt(6)]++;
    // Expected 10,000 each, binomial sd ≈ 91: 5 sd of slack.
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(460);
    expect(new SeededRandom(5).nextInt(1)).toBe(0);
  });

  it('nextInt rejects bounds outside [1, 2^32] and non-integers', () => {
    const rng = new SeededRandom(1);
    expect(() => rng.nextInt(0)).toThrow(InvalidDataError);
    expect(() => rng.nextInt(2.5)).toThrow(/integer bound/);
    expect(() => rng.nextInt(2 ** 32 + 1)).toThrow(InvalidDataError);
  });

  it('draws normals with the requested mean and standard deviation', () => {
    const standard = meanAndVariance(draws(new SeededRandom(6), 100_000, (r) => r.normal()));
    expect(standard.mean).toBeCloseTo(0, 1);
    expect(standard.variance).toBeCloseTo(1, 1);
    const shifted = meanAndVariance(draws(new SeededRandom(6), 100_000, (r) => r.normal(5, 2)));
    expect(shifted.mean).toBeCloseTo(5, 1);
    expect(Math.sqrt(shifted.variance)).toBeCloseTo(2, 1);
  });

  it('normals have Gaussian tails (about 4.55 % beyond 2 sd)', () => {
    const values = draws(new SeededRandom(8), 100_000, (r) => r.normal());
    const beyond = values.filter((v) => Math.abs(v) > 2).length / values.length;
    expect(beyond).toBeGreaterThan(0.042);
    expect(beyond).toBeLessThan(0.049);
  });

  it('shuffle permutes in place, deterministically, arrays and typed arrays alike', () => {
    const original = Array.from({ length: 50 }, (_, i) => i);
    const a = new SeededRandom(9).shuffle([...original]);
    const b = new SeededRandom(9).shuffle(Uint32Array.from(original));
    expect([...a].sort((x, y) => x - y)).toEqual(original);
    expect(a).not.toEqual(original);
    expect(Array.from(b)).toEqual(a);
    const target = [...original];
    expect(new SeededRandom(9).shuffle(target)).toBe(target);
  });

  it('shuffle makes every permutation equally likely', () => {
    const counts = new Map<string, number>();
    const rng = new SeededRandom(10);
    for (let k = 0; k < 60_000; k++) {
      const key = rng.shuffle(['a', 'b', 'c']).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(460);
  });
});
