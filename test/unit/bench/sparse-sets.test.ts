import { describe, expect, it } from 'vitest';
import { freshTestSet, loadSet } from '../../../bench/sparse-sets.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { modelFeatureNames } from '../../../lambdas/core/contract/encode.ts';

describe('generated sets of the sparse benchmarks', () => {
  it('have the five sensor columns by default, and the contract’s encoding with features=contract', () => {
    const raw = loadSet('generated', { n: '300', seed: '4' });
    const contract = loadSet('generated', { n: '300', seed: '4', features: 'contract' });
    expect(raw.data.X.cols).toBe(5);
    expect(contract.data.featureNames).toEqual(modelFeatureNames(DEFAULT_CONTRACT));
    expect(contract.name).toBe('generated (contract) n=300 seed 4');
    // Same readings and labels; the contract's columns hold the file's rounded values and the derived ones from them.
    expect(Array.from(contract.data.y)).toEqual(Array.from(raw.data.y));
    const names = contract.data.featureNames!;
    const at = (row: number, name: string) => contract.data.X.data[row * names.length + names.indexOf(name)];
    for (let row = 0; row < 300; row += 37) {
      const speed = at(row, 'rotational_speed_rpm');
      expect(Number.isInteger(speed)).toBe(true);
      expect(Math.abs(speed - raw.data.X.data[row * 5 + 2])).toBeLessThanOrEqual(0.5);
      expect(at(row, 'power_w')).toBeCloseTo((at(row, 'torque_nm') * speed * 2 * Math.PI) / 60, 9);
      expect(at(row, 'product_type_l') + at(row, 'product_type_m') + at(row, 'product_type_h')).toBe(1);
    }
  });

  it('draw fresh test rows encoded like the set, scaled with its scaler', () => {
    const set = loadSet('generated', { n: '300', seed: '4', features: 'contract' });
    const fresh = freshTestSet(set, 'generated', { n: '300', seed: '4', features: 'contract' }, 200);
    expect(fresh.x.cols).toBe(11);
    expect(Array.from(fresh.x.data.slice(0, 11))).toEqual(Array.from(set.scaler.transform(fresh.xRaw).data.slice(0, 11)));
  });
});
