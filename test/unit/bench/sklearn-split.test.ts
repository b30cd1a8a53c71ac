import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LegacyRandomState, sklearnStratifiedShuffleSplit } from '../../../bench/sklearn-split.ts';
import { readNumericCsv } from '../../../lambdas/core/data/csv.ts';
import { goldenPath, loadGpcReference } from '../../support/golden.ts';
import { describeWithShared, sharedPath } from '../../support/shared.ts';

/** Summary of one index array, as written by bench/tools/sklearn_split_fixture.py. */
interface IndexSummary {
  length: number;
  head: number[];
  sum: number;
  fnv1a32: number;
}

interface Fixture {
  versions: { sklearn: string; numpy: string };
  csv_cases: {
    name: string;
    /** Relative to the shared folder. */
    csv: string;
    label: string;
    n_rows: number;
    test_size: number;
    random_state: number;
    train: IndexSummary;
    test: IndexSummary;
  }[];
  label_cases: {
    name: string;
    labels: number[];
    test_size: number;
    random_state: number;
    train_idx: number[];
    test_idx: number[];
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./sklearn-split.fixture.json', import.meta.url), 'utf8'),
) as Fixture;

/** The fixture's hash: FNV-1a over the indices, one unsigned 32-bit word each. */
function fnv1a32(values: Uint32Array): number {
  let h = 2166136261;
  for (const v of values) h = Math.imul(h ^ v, 16777619) >>> 0;
  return h;
}

function summarize(values: Uint32Array): IndexSummary {
  return {
    length: values.length,
    head: Array.from(values.subarray(0, 20)),
    sum: values.reduce((s, v) => s + v, 0),
    fnv1a32: fnv1a32(values),
  };
}

/** Train and test are disjoint and, together, within the rows. */
function expectDisjoint(trainIndex: Uint32Array, testIndex: Uint32Array, rows: number): void {
  const all = new Set([...trainIndex, ...testIndex]);
  expect(all.size).toBe(trainIndex.length + testIndex.length);
  expect(Math.max(...all)).toBeLessThan(rows);
}

describe('LegacyRandomState (numpy RandomState, MT19937)', () => {
  it('gives the reference MT19937 outputs for seed 5489 (init_genrand)', () => {
    const rng = new LegacyRandomState(5489);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([3499211612, 581869302, 3890346734]);
  });

  it('matches np.random.RandomState(99).permutation(10)', () => {
    expect(Array.from(new LegacyRandomState(99).permutation(10))).toEqual([8, 5, 4, 2, 6, 7, 0, 9, 3, 1]);
  });

  it('rejects a seed outside [0, 2**32 - 1]', () => {
    expect(() => new LegacyRandomState(-1)).toThrow(RangeError);
    expect(() => new LegacyRandomState(2 ** 32)).toThrow(RangeError);
    expect(() => new LegacyRandomState(1.5)).toThrow(RangeError);
  });
});

describe('sklearnStratifiedShuffleSplit on small label lists (exact, from the fixture)', () => {
  it.each(fixture.label_cases)('$name', ({ labels, test_size, random_state, train_idx, test_idx }) => {
    const { trainIndex, testIndex } = sklearnStratifiedShuffleSplit(labels, {
      testSize: test_size,
      randomState: random_state,
    });
    expect(Array.from(trainIndex)).toEqual(train_idx);
    expect(Array.from(testIndex)).toEqual(test_idx);
    expectDisjoint(trainIndex, testIndex, labels.length);
  });

  it('defaults to test_size 0.3 and random_state 99', () => {
    const y = fixture.label_cases[0].labels;
    expect(sklearnStratifiedShuffleSplit(y)).toEqual(sklearnStratifiedShuffleSplit(y, { testSize: 0.3, randomState: 99 }));
  });

  it('rejects what scikit-learn rejects', () => {
    expect(() => sklearnStratifiedShuffleSplit([0, 0, 0, 1])).toThrow(/least populated class/);
    expect(() => sklearnStratifiedShuffleSplit([0, 0, 1, 1, 2, 2], { testSize: 2 })).toThrow(/test_size = 2/);
    expect(() => sklearnStratifiedShuffleSplit([0, 0, 1, 1], { testSize: 0 })).toThrow(RangeError);
    expect(() => sklearnStratifiedShuffleSplit([0, 0, 1, 1], { testSize: 4 })).toThrow(RangeError);
    expect(() => sklearnStratifiedShuffleSplit([0, 0, 1, NaN])).toThrow(/NaN/);
  });
});

describe('sklearnStratifiedShuffleSplit vs the golden fixture’s gpc_reference.json (exact)', () => {
  it.each(['moons_200_iso', 'ai4i_like_1000_iso'])('%s', (name) => {
    const reference = loadGpcReference().cases[name];
    expect(reference.split.method).toBe(
      'sklearn StratifiedShuffleSplit(n_splits=1, test_size=0.3, random_state=99)',
    );
    const { y } = readNumericCsv(goldenPath(reference.csv), { label: 'label', features: [] });
    const { trainIndex, testIndex } = sklearnStratifiedShuffleSplit(y, { testSize: 0.3, randomState: 99 });
    expect(Array.from(trainIndex)).toEqual(reference.split.train_idx);
    expect(Array.from(testIndex)).toEqual(reference.split.test_idx);
  });
});

/** The golden fixture carries the small reference CSVs (same bytes as ../shared's); the others need ../shared. */
const GOLDEN_CSVS: Readonly<Record<string, string>> = {
  'reference/data/moons_200.csv': goldenPath('data', 'moons_200.csv'),
  'reference/data/ai4i_like_1000.csv': goldenPath('data', 'ai4i_like_1000.csv'),
};

for (const entry of fixture.csv_cases) {
  const golden = GOLDEN_CSVS[entry.csv];
  const suite: typeof describeWithShared = golden === undefined ? describeWithShared : (name, fn) => describe(name, fn);
  suite(
    `sklearnStratifiedShuffleSplit on ${entry.name} (first 20 indices, sum and hash of the full arrays)`,
    () => {
      it(`matches scikit-learn ${fixture.versions.sklearn}`, () => {
        const { y } = readNumericCsv(golden ?? sharedPath(entry.csv), { label: entry.label, features: [] });
        expect(y.length).toBe(entry.n_rows);
        const { trainIndex, testIndex } = sklearnStratifiedShuffleSplit(y, {
          testSize: entry.test_size,
          randomState: entry.random_state,
        });
        expect(summarize(trainIndex)).toEqual(entry.train);
        expect(summarize(testIndex)).toEqual(entry.test);
        expectDisjoint(trainIndex, testIndex, y.length);
      });
    },
    { requires: [entry.csv] },
  );
}
