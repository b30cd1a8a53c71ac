import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { DEFAULT_CONTRACT, parseContract } from '../../../lambdas/core/contract/contract.ts';
import { derivedValue, derivedValueProblem } from '../../../lambdas/core/contract/derived.ts';
import { encodeRows, modelFeatureNames } from '../../../lambdas/core/contract/encode.ts';
import { bindHeader } from '../../../lambdas/core/contract/header.ts';
import { instanceSchema } from '../../../lambdas/core/contract/instance.ts';
import { formatIssues } from '../../../lambdas/core/contract/issues.ts';
import { trainingSetColumns } from '../../../lambdas/core/contract/table.ts';
import { validateRecord } from '../../../lambdas/core/contract/validate.ts';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import { toRows } from '../../../lambdas/core/ml/dense.ts';
import { copyOf, PUMP_CONTRACT_JSON } from './fixtures.ts';

// Tests write deliberately ill-typed values into the JSON, so it is loosely typed on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LooseJson = any;

/** The pump contract (vibration_mm_s 0…50, starts 0…1000, two categoricals) with these derived features. */
function pumpWithDerived(derived: unknown): LooseJson {
  return { ...copyOf(PUMP_CONTRACT_JSON), derived };
}

const PER_START = { name: 'vibration_per_start', expression: 'vibration_mm_s / starts', unit: 'mm/s', max: 20, description: 'Vibration per start' };
const PUMPS = parseContract(pumpWithDerived([PER_START, { name: 'log_vibration', expression: 'log(vibration_mm_s)', unit: '' }]));

function problemsOf(json: unknown): string[] {
  try {
    parseContract(json);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDataError);
    return (error as Error).message.split('\n').slice(1).map((line) => line.trim());
  }
  throw new Error('parseContract accepted an invalid contract');
}

describe('derived features in the contract', () => {
  it('ships power, temperature difference and strain in the AI4I contract', () => {
    expect(DEFAULT_CONTRACT.derived.map((d) => [d.name, d.expression, d.unit])).toEqual([
      ['power_w', 'torque_nm * rotational_speed_rpm * 2 * pi() / 60', 'W'],
      ['temperature_difference_k', 'process_temperature_k - air_temperature_k', 'K'],
      ['strain_min_nm', 'tool_wear_min * torque_nm', 'min·Nm'],
    ]);
    // 1500 rpm is 50 rev/s, 157.08 rad/s: at 40 Nm that is 6283.2 W.
    const reading = { torque_nm: 40, rotational_speed_rpm: 1500, process_temperature_k: 310, air_temperature_k: 300.5, tool_wear_min: 100 };
    expect(derivedValue(DEFAULT_CONTRACT.derived[0], reading)).toBeCloseTo(6283.1853, 4);
    expect(derivedValue(DEFAULT_CONTRACT.derived[1], reading)).toBe(9.5);
    expect(derivedValue(DEFAULT_CONTRACT.derived[2], reading)).toBe(4000);
  });

  it('defaults to none, and a contract without derived features encodes as before', () => {
    const plain = parseContract(copyOf(PUMP_CONTRACT_JSON));
    expect(plain.derived).toEqual([]);
    expect(modelFeatureNames(plain)).toHaveLength(6);
  });

  it('round-trips through JSON, as a model manifest carries it', () => {
    expect(parseContract(JSON.parse(JSON.stringify(PUMPS)))).toEqual(PUMPS);
  });

  it('appends derived features to the training-set columns, before the label, as DOUBLE', () => {
    const columns = trainingSetColumns(PUMPS);
    expect(columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'machine_id:string', 'read_at:timestamp', 'site:string', 'vibration_mm_s:double', 'starts:bigint', 'pump_model:string',
      'vibration_per_start:double', 'log_vibration:double', 'needs_service:bigint', 'source_key:string', 'source_line:bigint',
    ]);
    expect(columns[6].comment).toBe('Vibration per start = vibration_mm_s / starts, valid ≤ 20 mm/s');
  });

  it.each([
    [{ ...PER_START, expression: '' }, 'derived[0].expression: the expression is empty at character 1 of \'\''],
    [{ ...PER_START, expression: 'vibration_mm_s / (starts' }, "derived[0].expression: expected ')' to close the '(' at character 18, found the end of the expression at character 25 of 'vibration_mm_s / (starts'"],
    [{ ...PER_START, expression: 'vibraton_mm_s / starts' }, "derived[0].expression: unknown feature 'vibraton_mm_s' at character 1; an expression uses the numeric features vibration_mm_s, starts"],
    [{ ...PER_START, expression: 'vibration_mm_s * site' }, "derived[0].expression: 'site' is a categorical feature at character 18; an expression uses the numeric features vibration_mm_s, starts"],
    [{ ...PER_START, expression: 'needs_service + starts' }, "derived[0].expression: 'needs_service' is the label; a model input computed from the label would give the answer away at character 1; an expression uses the numeric features vibration_mm_s, starts"],
    [{ ...PER_START, expression: 'machine_id' }, "derived[0].expression: 'machine_id' is the id column at character 1; an expression uses the numeric features vibration_mm_s, starts"],
    [{ ...PER_START, expression: 3 }, 'derived[0].expression: must be an expression, got 3'],
    [{ ...PER_START, expression: undefined }, 'derived[0].expression: is required'],
    [{ ...PER_START, unit: undefined }, 'derived[0].unit: is required (use "" for a dimensionless feature)'],
    [{ ...PER_START, min: 30 }, 'derived[0].max: max (20) must be greater than min (30)'],
    [{ ...PER_START, max: Infinity }, 'derived[0].max: must be a finite number, got Infinity'],
    [{ ...PER_START, name: 'Per Start' }, "derived[0].name: 'Per Start' is not a lower-case identifier (a letter, then a-z, 0-9 or _)"],
    [{ ...PER_START, name: 'select' }, "derived[0].name: 'select' is a reserved SQL keyword in DuckDB or Athena; choose another name"],
    [{ ...PER_START, name: 'starts' }, "derived[0].name: name 'starts' is already used by features[2]"],
    [{ ...PER_START, name: 'site_north' }, "derived[0].name: name 'site_north' is already used by level 'North' of features[0]"],
    [{ ...PER_START, mni: 0 }, "derived[0]: unknown key 'mni' (a typo?); allowed: name, expression, unit, min, max, description"],
  ])('refuses %o with a message that says where', (derived, message) => {
    expect(problemsOf(pumpWithDerived([derived]))).toEqual([message]);
  });

  it('refuses a derived feature that uses another, a name used twice, and SQL that would grow too large', () => {
    expect(problemsOf(pumpWithDerived([PER_START, { ...PER_START, expression: 'vibration_per_start * 2' }]))).toEqual([
      "derived[1].name: name 'vibration_per_start' is already used by derived[0]",
      "derived[1].expression: 'vibration_per_start' is a derived feature; derived features are computed from numeric features only at character 1; an expression uses the numeric features vibration_mm_s, starts",
    ]);
    const nested = Array.from({ length: 9 }).reduce<string>((inner) => `min(${inner}, starts)`, 'vibration_mm_s');
    expect(problemsOf(pumpWithDerived([{ ...PER_START, expression: nested }]))).toEqual([
      expect.stringMatching(/^derived\[0\]\.expression: compiles to \d+ characters of SQL \(min, max, log and sqrt repeat their arguments\); at most 20000: nest fewer of them$/),
    ]);
    expect(problemsOf(pumpWithDerived({}))).toEqual(['derived: must be a list of derived features, got an object']);
  });
});

describe('derived values that cannot be model inputs', () => {
  const [perStart, logVibration] = PUMPS.derived;

  it('name the feature, the expression and what failed', () => {
    expect(derivedValueProblem(perStart, derivedValue(perStart, { vibration_mm_s: 3, starts: 0 }), { vibration_mm_s: 3, starts: 0 })).toBe(
      'vibration_per_start = vibration_mm_s / starts is not a finite number for this reading: division by zero (the divisor starting at character 18 is 0)',
    );
    expect(derivedValueProblem(perStart, derivedValue(perStart, { vibration_mm_s: 30, starts: 1 }), { vibration_mm_s: 30, starts: 1 })).toBe(
      'vibration_per_start = vibration_mm_s / starts = 30 is outside its valid range ≤ 20 mm/s',
    );
    expect(derivedValueProblem(logVibration, derivedValue(logVibration, { vibration_mm_s: 0 }), { vibration_mm_s: 0 })).toBe(
      'log_vibration = log(vibration_mm_s) is not a finite number for this reading: log of 0 at character 1 (log needs a number > 0)',
    );
    const huge = parseContract(pumpWithDerived([{ name: 'huge', expression: 'exp(vibration_mm_s * 100)', unit: '' }])).derived[0];
    expect(derivedValueProblem(huge, derivedValue(huge, { vibration_mm_s: 10 }), { vibration_mm_s: 10 })).toBe(
      'huge = exp(vibration_mm_s * 100) is not a finite number for this reading: overflow in the part starting at character 1',
    );
    expect(derivedValueProblem(perStart, derivedValue(perStart, { vibration_mm_s: 3, starts: 2 }), { vibration_mm_s: 3, starts: 2 })).toBeUndefined();
  });

  it('quarantine the row in the row validator (ingest, batch scoring, predict), after the feature checks', () => {
    const binding = bindHeader(PUMPS, ['Machine', 'Time', 'site', 'Vibration [mm/s]', 'Starts', 'Model', 'Service'], { requireLabel: false });
    const record = (vibration: string, starts: string) => ['P-1', '2024-05-01T10:00:00Z', 'North', vibration, starts, 'A-1', 'no'];
    expect(validateRecord(binding, record('3', '2'))).toMatchObject({ ok: true, reading: { vibration_mm_s: 3, starts: 2 } });
    // The reading keeps what was measured; derived values are computed when encoded.
    const ok = validateRecord(binding, record('3', '2'));
    expect(ok.ok && Object.keys(ok.reading)).not.toContain('vibration_per_start');
    expect(validateRecord(binding, record('3', '0'))).toEqual({
      ok: false,
      reason: 'vibration_per_start = vibration_mm_s / starts is not a finite number for this reading: division by zero (the divisor starting at character 18 is 0)',
    });
    expect(validateRecord(binding, record('0', '0'))).toEqual({
      ok: false,
      reason:
        'vibration_per_start = vibration_mm_s / starts is not a finite number for this reading: division by zero (the divisor starting at character 18 is 0); ' +
        'log_vibration = log(vibration_mm_s) is not a finite number for this reading: log of 0 at character 1 (log needs a number > 0)',
    });
    // A bad input is the reason; its derived features are not computed from it.
    expect(validateRecord(binding, record('x', '0'))).toEqual({ ok: false, reason: "vibration_mm_s is not a number: 'x'" });
  });

  it('make the API request schema refuse the instance at the derived feature’s path', () => {
    const schema = instanceSchema(PUMPS);
    const instance = { site: 'North', vibration_mm_s: 3, starts: 0, pump_model: 'A-1' };
    const issues = (value: unknown) => {
      const result = (schema as z.ZodType).safeParse(value);
      return result.success ? [] : formatIssues(result.error);
    };
    expect(issues({ ...instance, starts: 1 })).toEqual([]);
    expect(issues(instance)).toEqual([
      'vibration_per_start: vibration_per_start = vibration_mm_s / starts is not a finite number for this reading: division by zero (the divisor starting at character 18 is 0)',
    ]);
    // A bad feature is reported alone, and a derived feature is never sent.
    expect(issues({ ...instance, vibration_mm_s: 'x' })).toEqual(["vibration_mm_s: vibration_mm_s must be a finite number, got 'x'"]);
    expect(issues({ ...instance, starts: 1, vibration_per_start: 3 })).toEqual([
      "(root): unknown feature 'vibration_per_start' ('vibration_per_start' is derived: computed from the features, never sent); an instance has exactly the features site, vibration_mm_s, starts, pump_model",
    ]);
  });

  it('stop encoding with the row and the reason', () => {
    const row = { site: 'North', vibration_mm_s: 3, starts: 2, pump_model: 'A-1' };
    expect(toRows(encodeRows(PUMPS, [row]))[0]).toEqual([3, 2, 1, 0, 1, 0, 1.5, Math.log(3)]);
    expect(() => encodeRows(PUMPS, [row, { ...row, starts: 0 }])).toThrow(
      new InvalidDataError('row 1: vibration_per_start = vibration_mm_s / starts is not a finite number for this reading: division by zero (the divisor starting at character 18 is 0)'),
    );
  });
});
