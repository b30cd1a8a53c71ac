import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT, parseContract } from '../../../lambdas/core/contract/contract.ts';
import { InvalidDataError } from '../../../lambdas/core/errors.ts';
import defaultJson from '../../../lambdas/core/contract/ai4i2020.contract.json' with { type: 'json' };
import { copyOf, PUMP_CONTRACT, PUMP_CONTRACT_JSON } from './fixtures.ts';

/** The message of the InvalidDataError that parseContract throws for `json`. */
function problemsOf(json: unknown): string {
  try {
    parseContract(json);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDataError);
    expect(error).toBeInstanceOf(RangeError);
    return (error as Error).message;
  }
  throw new Error('parseContract accepted an invalid contract');
}

// Tests write deliberately ill-typed values into the JSON, so it is loosely typed on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LooseJson = any;

/** The pump contract with `change` applied to a copy. */
function pumpWith(change: (json: LooseJson) => void): unknown {
  const json: LooseJson = copyOf(PUMP_CONTRACT_JSON);
  change(json);
  return json;
}

describe('DEFAULT_CONTRACT (ai4i2020.contract.json)', () => {
  it('describes the AI4I 2020 columns', () => {
    const c = DEFAULT_CONTRACT;
    expect(c.name).toBe('ai4i2020');
    expect(c.id).toMatchObject({ name: 'udi', source: 'UDI', type: 'integer' });
    expect(c.timestamp).toBeUndefined();
    expect(c.label).toMatchObject({ name: 'machine_failure', source: 'Machine failure', positive: ['1'], negative: ['0'] });
    expect(c.features.map((f) => [f.name, f.source, f.type])).toEqual([
      ['air_temperature_k', 'Air temperature [K]', 'number'],
      ['process_temperature_k', 'Process temperature [K]', 'number'],
      ['rotational_speed_rpm', 'Rotational speed [rpm]', 'integer'],
      ['torque_nm', 'Torque [Nm]', 'number'],
      ['tool_wear_min', 'Tool wear [min]', 'integer'],
      ['product_type', 'Type', 'categorical'],
    ]);
    expect(c.features.find((f) => f.name === 'product_type')).toMatchObject({ levels: ['L', 'M', 'H'] });
    expect([...c.drop].sort()).toEqual(['HDF', 'OSF', 'PWF', 'Product ID', 'RNF', 'TWF']);
  });

  it('round-trips: parsing the parsed contract gives the same contract', () => {
    expect(parseContract(JSON.parse(JSON.stringify(DEFAULT_CONTRACT)))).toEqual(DEFAULT_CONTRACT);
    expect(parseContract(defaultJson)).toEqual(DEFAULT_CONTRACT);
    expect('timestamp' in DEFAULT_CONTRACT).toBe(false);
  });
});

describe('parseContract', () => {
  it('fills in source from name and drop as empty', () => {
    const c = parseContract(pumpWith((j) => delete j.drop));
    expect(c.drop).toEqual([]);
    expect(c.features[0]).toMatchObject({ name: 'site', source: 'site' });
    expect(PUMP_CONTRACT.timestamp).toEqual({ name: 'read_at', source: 'Time' });
  });

  it('names the path of every bad field', () => {
    const message = problemsOf(
      pumpWith((j) => {
        j.version = 2;
        j.id.type = 'uuid';
        j.features[1].min = 'low';
        j.features[3].levels = [];
        delete j.features[2].unit;
      }),
    );
    expect(message).toMatch(/^invalid data contract:/);
    expect(message).toContain("version: unsupported contract version 2; this build reads version 1");
    expect(message).toContain("id.type: must be 'string' or 'integer', got 'uuid'");
    expect(message).toContain("features[1].min: must be a finite number, got 'low'");
    expect(message).toContain('features[3].levels: needs at least one level');
    expect(message).toContain('features[2].unit: is required (use "" for a dimensionless feature)');
  });

  it('rejects a missing label, an empty feature list and unknown keys', () => {
    const message = problemsOf(
      pumpWith((j) => {
        delete j.label;
        j.features = [];
        j.owner = 'me';
        j.id.unit = 'x';
      }),
    );
    expect(message).toContain('label: is required');
    expect(message).toContain('features: needs at least one feature');
    expect(message).toContain("(root): unknown key 'owner' (a typo?)");
    expect(message).toContain("id: unknown key 'unit'");
  });

  it('rejects a feature of unknown type and a non-object', () => {
    expect(problemsOf(pumpWith((j) => (j.features[1].type = 'float')))).toContain(
      "features[1].type: type must be 'number', 'integer' or 'categorical'",
    );
    expect(problemsOf(pumpWith((j) => (j.features[1] = 7)))).toContain('features[1]: must be a feature object, got 7');
    expect(problemsOf(null)).toContain('(root): must be a data contract object, got null');
  });

  it.each([
    ['Torque', 'is not a lower-case identifier'],
    ['1st', 'is not a lower-case identifier'],
    ['torque-nm', 'is not a lower-case identifier'],
    ['_x', 'is not a lower-case identifier'],
    ['source_key', "reserved for the lake's own columns"],
    ['ingested_at', "reserved for the lake's own columns"],
    ['dt', "reserved for the lake's own columns"],
    ['select', 'reserved SQL keyword'],
    ['order', 'reserved SQL keyword'],
    ['qualify', 'reserved SQL keyword'],
  ])('rejects the column name %s', (name, why) => {
    expect(problemsOf(pumpWith((j) => (j.features[1].name = name)))).toMatch(new RegExp(`features\\[1\\]\\.name: .*${why}`));
  });

  it('requires min < max', () => {
    expect(problemsOf(pumpWith((j) => (j.features[1].max = 0)))).toContain(
      'features[1].max: max (0) must be greater than min (0)',
    );
    expect(problemsOf(pumpWith((j) => (j.features[1].min = Infinity)))).toContain('features[1].min: must be a finite number');
  });

  it('requires unique, trimmed, non-empty levels and label tokens', () => {
    const message = problemsOf(
      pumpWith((j) => {
        j.features[0].levels = ['North', 'South', 'North', ''];
        j.label.positive = ['yes', ' Y'];
      }),
    );
    expect(message).toContain("features[0].levels[2]: level 'North' appears twice");
    expect(message).toContain('features[0].levels[3]: must not be empty');
    expect(message).toContain('label.positive[1]: must not start or end with whitespace');
  });

  it('rejects a token that is both positive and negative', () => {
    expect(problemsOf(pumpWith((j) => (j.label.negative = ['no', 'yes'])))).toContain(
      "label.negative[1]: label token 'yes' is also positive",
    );
  });

  it('requires unique names and sources across all columns', () => {
    expect(problemsOf(pumpWith((j) => (j.features[2].name = 'machine_id')))).toContain(
      "features[2].name: name 'machine_id' is already used by id",
    );
    expect(problemsOf(pumpWith((j) => (j.features[2].source = 'Vibration [mm/s]')))).toContain(
      "features[2].source: source 'Vibration [mm/s]' is already the source of features[1]",
    );
    expect(problemsOf(pumpWith((j) => j.drop.push('Time')))).toContain(
      "drop[1]: 'Time' is listed under drop but is the source of timestamp",
    );
    expect(problemsOf(pumpWith((j) => j.drop.push('Operator')))).toContain("drop[1]: column 'Operator' appears twice");
  });

  it('rejects a name that is another column’s source, since headers may use either', () => {
    expect(problemsOf(pumpWith((j) => (j.features[1].source = 'starts')))).toContain(
      "features[2].name: name 'starts' is also the source of features[1]",
    );
    expect(problemsOf(pumpWith((j) => j.drop.push('vibration_mm_s')))).toContain(
      "features[1].name: name 'vibration_mm_s' is also listed under drop",
    );
    // A column's own name as its source is no conflict.
    expect(problemsOf(pumpWith((j) => j.drop.push('site')))).toContain("drop[1]: 'site' is listed under drop but is the source of features[0]");
  });

  it('rejects levels whose one-hot column names collide', () => {
    expect(problemsOf(pumpWith((j) => (j.features[0].levels = ['North', 'north'])))).toContain(
      "features[0].levels[1]: level 'north' gives the model column 'site_north', already taken by level 'North' of features[0]",
    );
    expect(problemsOf(pumpWith((j) => (j.features[0].levels = ['+', 'South'])))).toContain(
      "features[0].levels[0]: level '+' has no letter or digit to name its one-hot column",
    );
    expect(
      problemsOf(
        pumpWith((j) => {
          j.features[1].name = 'site_north';
        }),
      ),
    ).toContain("level 'North' gives the model column 'site_north', already taken by features[1]");
  });
});

describe('parsed contracts', () => {
  it('are frozen, so no generator can change what the others see', () => {
    expect(Object.isFrozen(DEFAULT_CONTRACT)).toBe(true);
    expect(Object.isFrozen(DEFAULT_CONTRACT.features[0])).toBe(true);
    expect(() => (DEFAULT_CONTRACT.drop as string[]).push('UDI')).toThrow(TypeError);
  });
});
