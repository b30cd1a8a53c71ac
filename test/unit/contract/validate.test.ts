import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { bindHeader } from '../../../lambdas/core/contract/header.ts';
import { validateRecord, type Reading } from '../../../lambdas/core/contract/validate.ts';
import { datasetPath, describeWithShared } from '../../support/shared.ts';
import { PUMP_CONTRACT } from './fixtures.ts';

const AI4I_HEADER = [
  'UDI', 'Product ID', 'Type', 'Air temperature [K]', 'Process temperature [K]', 'Rotational speed [rpm]',
  'Torque [Nm]', 'Tool wear [min]', 'Machine failure', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF',
];
const GOOD = ['1', 'M14860', 'M', '298.1', '308.6', '1551', '42.8', '0', '0', '0', '0', '0', '0', '0'];
const ai4i = bindHeader(DEFAULT_CONTRACT, AI4I_HEADER, { requireLabel: false });

/** GOOD with the field of `header` replaced by `value`. */
function withField(header: string, value: string): string[] {
  const values = [...GOOD];
  values[AI4I_HEADER.indexOf(header)] = value;
  return values;
}

function reasonOf(values: readonly string[], binding = ai4i): string {
  const result = validateRecord(binding, values);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.reading)}`);
  return result.reason;
}

describe('validateRecord', () => {
  it('types a good AI4I record, ignoring dropped columns', () => {
    expect(validateRecord(ai4i, GOOD)).toEqual({
      ok: true,
      reading: {
        udi: 1,
        air_temperature_k: 298.1,
        process_temperature_k: 308.6,
        rotational_speed_rpm: 1551,
        torque_nm: 42.8,
        tool_wear_min: 0,
        product_type: 'M',
        machine_failure: 0,
      },
    });
  });

  it('trims cells, maps label tokens and keeps an empty label as null (unlabelled)', () => {
    const result = validateRecord(ai4i, withField('Machine failure', ' 1 '));
    expect(result.ok && result.reading.machine_failure).toBe(1);
    const unlabelled = validateRecord(ai4i, withField('Machine failure', ''));
    expect(unlabelled.ok && unlabelled.reading.machine_failure).toBeNull();
  });

  it('accepts values on the edges of the valid range and integer features written as 1551.0', () => {
    expect(validateRecord(ai4i, withField('Air temperature [K]', '250')).ok).toBe(true);
    expect(validateRecord(ai4i, withField('Air temperature [K]', '3.5e2')).ok).toBe(true);
    const result = validateRecord(ai4i, withField('Rotational speed [rpm]', '1551.0'));
    expect(result.ok && result.reading.rotational_speed_rpm).toBe(1551);
  });

  it.each([
    ['a short record', GOOD.slice(0, 13), 'wrong number of fields: expected 14 (one per header column), got 13'],
    ['a long record', [...GOOD, ''], 'wrong number of fields: expected 14 (one per header column), got 15'],
    ['no id', withField('UDI', ' '), 'missing id (udi)'],
    ['a text id', withField('UDI', 'abc'), "udi is not an integer id: 'abc'"],
    ['a fractional id', withField('UDI', '1.5'), "udi is not an integer id: '1.5'"],
    ['a huge id', withField('UDI', '1e300'), "udi is not an integer id: '1e300'"],
    ['an empty feature', withField('Torque [Nm]', ''), 'missing value for torque_nm'],
    ['text in a number', withField('Torque [Nm]', 'abc'), "torque_nm is not a number: 'abc'"],
    ['hex in a number', withField('Torque [Nm]', '0x10'), "torque_nm is not a number: '0x10'"],
    ['a comma decimal', withField('Torque [Nm]', '42,8'), "torque_nm is not a number: '42,8'"],
    ['NaN', withField('Torque [Nm]', 'NaN'), "torque_nm is 'NaN'; every value must be a finite number"],
    ['Infinity', withField('Torque [Nm]', '-Infinity'), "torque_nm is '-Infinity'; every value must be a finite number"],
    ['an overflow', withField('Torque [Nm]', '1e999'), "torque_nm is '1e999'; every value must be a finite number"],
    ['a reading above range', withField('Air temperature [K]', '412'), 'air_temperature_k = 412 is outside its valid range 250…350 K'],
    ['°C instead of K', withField('Air temperature [K]', '25.1'), 'air_temperature_k = 25.1 is outside its valid range 250…350 K'],
    ['a fraction in an integer', withField('Tool wear [min]', '3.5'), "tool_wear_min must be a whole number: '3.5'"],
    ['an unknown level', withField('Type', 'X'), "product_type = 'X' is not a known level (L, M, H)"],
    ['a level in the wrong case', withField('Type', 'm'), "product_type = 'm' is not a known level (L, M, H)"],
    ['an unknown label token', withField('Machine failure', 'yes'), "machine_failure = 'yes' is not a label token: positive 1; negative 0; empty for unlabelled"],
  ])('rejects %s', (_, values, reason) => {
    expect(reasonOf(values)).toBe(reason);
  });

  it('lists every problem of a record, on one line, without a stack', () => {
    const values = withField('Torque [Nm]', 'abc');
    values[AI4I_HEADER.indexOf('Type')] = 'line\nbreak';
    values[AI4I_HEADER.indexOf('UDI')] = '';
    const reason = reasonOf(values);
    expect(reason).toBe("missing id (udi); torque_nm is not a number: 'abc'; product_type = 'line\\u000abreak' is not a known level (L, M, H)");
    expect(reason).not.toMatch(/\n|\bat .*\.ts/);
  });

  it('cuts long values in reasons', () => {
    expect(reasonOf(withField('Torque [Nm]', 'x'.repeat(500)))).toBe(`torque_nm is not a number: '${'x'.repeat(40)}…'`);
  });

  describe('with a timestamp and a string id', () => {
    const header = ['Machine', 'Time', 'site', 'Vibration [mm/s]', 'Starts', 'Model', 'Service', 'Operator'];
    const binding = bindHeader(PUMP_CONTRACT, header, { requireLabel: true });
    const good = ['P-7', '2024-05-01T13:45:00Z', 'North', '4.2', '12', 'B 2', 'Y', 'ann'];
    const at = (i: number, value: string) => good.map((v, j) => (j === i ? value : v));
    const readingOf = (values: string[]): Reading => {
      const result = validateRecord(binding, values);
      if (!result.ok) throw new Error(result.reason);
      return result.reading;
    };

    it('types the reading', () => {
      expect(readingOf(good)).toEqual({
        machine_id: 'P-7',
        read_at: new Date('2024-05-01T13:45:00Z'),
        site: 'North',
        vibration_mm_s: 4.2,
        starts: 12,
        pump_model: 'B 2',
        needs_service: 1,
      });
      expect(readingOf(at(6, 'no')).needs_service).toBe(0);
    });

    it.each([
      ['2024-05-01T13:45:00Z', '2024-05-01T13:45:00.000Z'],
      ['2024-05-01 13:45:00', '2024-05-01T13:45:00.000Z'],
      ['2024-05-01T13:45', '2024-05-01T13:45:00.000Z'],
      ['2024-05-01', '2024-05-01T00:00:00.000Z'],
      ['2024-05-01T15:45:00.250+02:00', '2024-05-01T13:45:00.250Z'],
      ['2024-05-01T08:15:00-0530', '2024-05-01T13:45:00.000Z'],
      ['2024-05-01T13:45:00.123456Z', '2024-05-01T13:45:00.123Z'],
      ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ])('reads the ISO 8601 timestamp %s as %s (no zone = UTC)', (text, iso) => {
      expect((readingOf(at(1, text)).read_at as Date).toISOString()).toBe(iso);
    });

    it.each(['05/01/2024 13:45', '2024-02-30T00:00:00Z', '2023-02-29', '2024-05-01T24:00:00Z', '2024-05-01T13:60Z', '1714571100', 'yesterday', '2024-05-01T13:45:00+25:00'])(
      'rejects the timestamp %s',
      (text) => {
        expect(reasonOf(at(1, text), binding)).toBe(
          `read_at is not an ISO 8601 timestamp: '${text}' (expected e.g. 2024-05-01T13:45:00Z)`,
        );
      },
    );

    it('rejects a missing timestamp and a missing string id', () => {
      expect(reasonOf(at(1, ''), binding)).toBe('missing timestamp (read_at)');
      expect(reasonOf(at(0, ''), binding)).toBe('missing id (machine_id)');
    });

    it('lists all label tokens in the reason', () => {
      expect(reasonOf(at(6, '1'), binding)).toBe(
        "needs_service = '1' is not a label token: positive yes, Y; negative no, N; empty for unlabelled",
      );
    });

    it('reports a value outside a unit-less range without a unit', () => {
      expect(reasonOf(at(4, '1001'), binding)).toBe('starts = 1001 is outside its valid range 0…1000');
    });
  });
});

describeWithShared(
  'validateRecord on the real AI4I 2020 data set',
  () => {
    it('binds the real header (with its byte-order mark) and accepts all 10,000 rows', () => {
      const text = readFileSync(datasetPath('ai4i2020.csv'), 'utf8');
      const records = parse(text) as string[][];
      expect(records[0][0]).toBe('\uFEFFUDI');
      const binding = bindHeader(DEFAULT_CONTRACT, records[0], { requireLabel: true });
      const rows = records.slice(1);
      expect(rows).toHaveLength(10_000);
      const failures = rows
        .map((values, i) => ({ line: i + 2, result: validateRecord(binding, values) }))
        .filter(({ result }) => !result.ok);
      expect(failures).toEqual([]);
      const readings = rows.map((values) => {
        const result = validateRecord(binding, values);
        return result.ok ? result.reading : {};
      });
      expect(readings.filter((r) => r.machine_failure === 1)).toHaveLength(339);
      expect(new Set(readings.map((r) => r.product_type))).toEqual(new Set(['L', 'M', 'H']));
      expect(readings[9_999].udi).toBe(10_000);
    });
  },
  { requires: ['datasets/ai4i2020.csv'] },
);
