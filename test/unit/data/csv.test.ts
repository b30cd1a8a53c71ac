import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFeatureCsv, parseNumericCsv, readNumericCsv, writeCsv } from '../../../lambdas/core/data/csv.ts';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { toRows } from '../../../lambdas/core/ml/dense.ts';
import { goldenPath } from '../../support/golden.ts';
import { datasetPath, describeWithShared } from '../../support/shared.ts';

const simple = 'a,b,label,c\n1,2.5,0,-3\n4,5e-1,1,6\n';

describe('parseNumericCsv', () => {
  it('takes every column but the label as features, in file order', () => {
    const { X, y, featureNames } = parseNumericCsv(simple, { label: 'label' });
    expect(featureNames).toEqual(['a', 'b', 'c']);
    expect(toRows(X)).toEqual([
      [1, 2.5, -3],
      [4, 0.5, 6],
    ]);
    expect(Array.from(y)).toEqual([0, 1]);
  });

  it('takes the requested features in the requested order', () => {
    const { X, featureNames } = parseNumericCsv(simple, { label: 'label', features: ['c', 'a'] });
    expect(featureNames).toEqual(['c', 'a']);
    expect(toRows(X)).toEqual([
      [-3, 1],
      [6, 4],
    ]);
  });

  it('handles a UTF-8 byte-order mark, CRLF line endings, quoted fields and blank lines', () => {
    const text = '\uFEFF"x 1",label\r\n"1.5",1\r\n\r\n-2,0\r\n';
    const { X, y, featureNames } = parseNumericCsv(text, { label: 'label' });
    expect(featureNames).toEqual(['x 1']);
    expect(Array.from(X.data)).toEqual([1.5, -2]);
    expect(Array.from(y)).toEqual([1, 0]);
  });

  it('names line, column and value of a cell that is not a number', () => {
    const text = 'a,label\n1,0\nabc,1\n';
    expect(() => parseNumericCsv(text, { label: 'label' })).toThrow(InvalidDataError);
    expect(() => parseNumericCsv(text, { label: 'label' })).toThrow(/line 3, column "a": "abc" is not a finite number/);
  });

  it.each(['', 'NaN', 'Infinity', '-inf', '0x10', '1,5', '1e', '--1'])('rejects the cell %j', (cell) => {
    const text = `a,label\n"${cell}",0\n`;
    expect(() => parseNumericCsv(text, { label: 'label' })).toThrow(/line 2, column "a"/);
  });

  it('accepts the number forms Python and JavaScript write', () => {
    const text = 'a,label\n1e-05,0\n-0.0,1\n+3.,0\n.25,1\n 7 ,0\n1E+21,1\n';
    const { X } = parseNumericCsv(text, { label: 'label' });
    expect(Array.from(X.data)).toEqual([1e-5, -0, 3, 0.25, 7, 1e21]);
  });

  it('requires labels 0 or 1', () => {
    expect(() => parseNumericCsv('a,label\n1,0\n2,2\n', { label: 'label' })).toThrow(
      /line 3, column "label": label "2" must be 0 or 1/,
    );
    expect(() => parseNumericCsv('a,label\n1,0.5\n', { label: 'label' })).toThrow(InvalidDataError);
    expect(() => parseNumericCsv('a,label\n1,yes\n', { label: 'label' })).toThrow(/"yes" is not a finite number/);
  });

  it('lists the available columns for an unknown label or feature', () => {
    expect(() => parseNumericCsv(simple, { label: 'target' })).toThrow(
      /unknown label column "target"; available columns: a, b, label, c/,
    );
    expect(() => parseNumericCsv(simple, { label: 'label', features: ['a', 'z'] })).toThrow(
      /unknown feature column "z"; available columns: a, b, label, c/,
    );
  });

  it('rejects a label used as a feature, duplicate features and duplicate header names', () => {
    expect(() => parseNumericCsv(simple, { label: 'label', features: ['a', 'label'] })).toThrow(/cannot also be a feature/);
    expect(() => parseNumericCsv(simple, { label: 'label', features: ['a', 'a'] })).toThrow(/duplicates/);
    expect(() => parseNumericCsv('a,a,label\n1,2,0\n', { label: 'label' })).toThrow(/column "a" twice/);
  });

  it('rejects empty input, a header without rows and ragged rows', () => {
    expect(() => parseNumericCsv('', { label: 'label' })).toThrow(/CSV is empty/);
    expect(() => parseNumericCsv('a,label\n', { label: 'label' })).toThrow(/no data rows/);
    expect(() => parseNumericCsv('a,label\n1,0\n2\n', { label: 'label' })).toThrow(InvalidDataError);
    expect(() => parseNumericCsv('a,label\n1,0\n2\n', { label: 'label' })).toThrow(/malformed CSV.*line 3/);
  });
});

describe('readNumericCsv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prognos-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file by path or file URL, and text given as { text }', () => {
    const path = join(dir, 'simple.csv');
    writeFileSync(path, simple);
    const expected = toRows(parseNumericCsv(simple, { label: 'label' }).X);
    expect(toRows(readNumericCsv(path, { label: 'label' }).X)).toEqual(expected);
    expect(toRows(readNumericCsv(pathToFileURL(path), { label: 'label' }).X)).toEqual(expected);
    expect(toRows(readNumericCsv({ text: simple }, { label: 'label' }).X)).toEqual(expected);
  });

  it('fails on a missing file', () => {
    expect(() => readNumericCsv(join(dir, 'missing.csv'), { label: 'label' })).toThrow(/ENOENT/);
  });
});

describe('writeCsv', () => {
  it('writes a header and one line per row, in column order', () => {
    const text = writeCsv(
      [
        { b: 2, a: 'L', c: true },
        { b: -0.5, a: 'M', c: false },
      ],
      ['a', 'b', 'c'],
    );
    expect(text).toBe('a,b,c\nL,2,1\nM,-0.5,0\n');
  });

  it('quotes text holding commas, quotes or line breaks', () => {
    expect(writeCsv([{ name: 'a,b', note: 'say "hi"', multi: 'x\ny' }], ['name', 'note', 'multi'])).toBe(
      'name,note,multi\n"a,b","say ""hi""","x\ny"\n',
    );
  });

  it('round-trips doubles exactly through readNumericCsv', () => {
    const values = [0.1 + 0.2, 1 / 3, -1e-300, 5e21, 123456789 / 7, Number.MIN_VALUE];
    const rows = values.map((v, i) => ({ v, label: i % 2 }));
    const { X, y } = parseNumericCsv(writeCsv(rows, ['v', 'label']), { label: 'label' });
    expect(Array.from(X.data)).toEqual(values);
    expect(Array.from(y)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('refuses non-finite numbers, missing columns and other value types', () => {
    expect(() => writeCsv([{ a: Number.NaN }], ['a'])).toThrow(/row 0, column "a" is NaN/);
    expect(() => writeCsv([{ a: 1 }], ['a', 'b'] as string[])).toThrow(/row 0 has no column "b"/);
    expect(() => writeCsv([{ a: null }] as unknown as Record<string, number>[], ['a'] as string[])).toThrow(/is object; expected/);
  });
});

describeWithShared(
  'readNumericCsv on the real AI4I 2020 file (BOM, CRLF)',
  () => {
    const features = [
      'Air temperature [K]',
      'Process temperature [K]',
      'Rotational speed [rpm]',
      'Torque [Nm]',
      'Tool wear [min]',
    ];

    it('reads 10,000 rows with 339 failures', () => {
      const { X, y, featureNames } = readNumericCsv(datasetPath('ai4i2020.csv'), { label: 'Machine failure', features });
      expect(featureNames).toEqual(features);
      expect(X.rows).toBe(10_000);
      expect(y.reduce((s, v) => s + v, 0)).toBe(339);
      // First data row: 1,M14860,M,298.1,308.6,1551,42.8,0,0,...
      expect(Array.from(X.data.subarray(0, 5))).toEqual([298.1, 308.6, 1551, 42.8, 0]);
    });

    it('names the first non-numeric cell when the identifiers are left among the features', () => {
      expect(() => readNumericCsv(datasetPath('ai4i2020.csv'), { label: 'Machine failure' })).toThrow(
        /line 2, column "Product ID": "M14860" is not a finite number/,
      );
    });
  },
  { requires: ['datasets/ai4i2020.csv'] },
);

describe('readNumericCsv on the golden fixture’s data sets', () => {
  it('reads moons_200.csv', () => {
    const { X, y, featureNames } = readNumericCsv(goldenPath('data', 'moons_200.csv'), { label: 'label' });
    expect(featureNames).toEqual(['x0', 'x1']);
    expect(X.rows).toBe(200);
    expect(y.reduce((s, v) => s + v, 0)).toBe(100);
    expect(Array.from(X.data.subarray(0, 2))).toEqual([0.7190130870366289, 0.445660206107658]);
  });
});

describe('parseFeatureCsv', () => {
  it('reads the named feature columns in the model order and ignores the others', () => {
    const x = parseFeatureCsv('id,b,a,label\n7,2,1,0\n8,4,3,1\n', ['a', 'b']);
    expect(x.rows).toBe(2);
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4]);
  });

  it('names every missing column and every bad cell', () => {
    expect(() => parseFeatureCsv('a\n1\n', ['a', 'b', 'c'])).toThrow(/missing feature columns "b", "c"/);
    expect(() => parseFeatureCsv('a,b\n1,x\n', ['a', 'b'])).toThrow(/line 2, column "b": "x" is not a finite number/);
    expect(() => parseFeatureCsv('a,b\n', ['a', 'b'])).toThrow(/no data rows/);
  });
});
