import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNumericCsv } from '../../../lambdas/core/data/csv.ts';
import { generatedGroup, generatedName, parseGenerated, writeGenerated } from '../../../bench/generated.ts';

describe('--generated specs', () => {
  it('expand seeds (list or range) × noise levels', () => {
    const sets = parseGenerated('moons:2000:seed=1..3:noise=0.2,0.3');
    expect(sets).toHaveLength(6);
    expect(sets[0]).toEqual({ family: 'moons', rows: 2000, seed: 1, noise: 0.2 });
    expect(sets.map(generatedName)).toContain('moons_2000_seed3_noise0.3');
    expect(parseGenerated('ai4i:4000:seed=1,5')).toEqual([
      { family: 'ai4i_like', rows: 4000, seed: 1 },
      { family: 'ai4i_like', rows: 4000, seed: 5 },
    ]);
    expect(parseGenerated('moons:300')).toEqual([{ family: 'moons', rows: 300, seed: 1, noise: 0.25 }]);
    expect(generatedGroup('moons_2000_seed3_noise0.3')).toBe('moons_2000');
    expect(generatedGroup('ai4i_like_4000_seed2')).toBe('ai4i_like_4000');
    expect(generatedGroup('moons_2000')).toBeUndefined();
  });

  it.each([
    ['trees:100', /unknown family "trees"/],
    ['moons:ten', /rows must be an integer ≥ 20, got "ten"/],
    ['moons:100:seed=a', /seed must be non-negative integers/],
    ['moons:100:noise=-1', /noise must be numbers ≥ 0, got "-1"/],
    ['ai4i:100:noise=0.2', /noise= applies to moons only/],
    ['moons:100:colour=red', /unknown part "colour=red"/],
  ])('rejects %s with the reason', (spec, message) => {
    expect(() => parseGenerated(spec)).toThrow(RangeError);
    expect(() => parseGenerated(spec)).toThrow(message);
  });

  it('writes the same data for the same spec, readable as the bench reads it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prognos-generated-'));
    try {
      const [set] = parseGenerated('ai4i:200:seed=4');
      const spec = writeGenerated(set, dir);
      const first = readFileSync(spec.file, 'utf8');
      expect(writeGenerated(set, dir).file).toBe(spec.file);
      expect(readFileSync(spec.file, 'utf8')).toBe(first);
      const data = readNumericCsv(spec.file, { label: spec.label });
      expect(data.X.rows).toBe(200);
      expect(data.featureNames).toHaveLength(5);
      const moons = readNumericCsv(writeGenerated(parseGenerated('moons:50:noise=0.1')[0], dir).file, { label: 'label' });
      expect(moons.featureNames).toEqual(['x0', 'x1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
