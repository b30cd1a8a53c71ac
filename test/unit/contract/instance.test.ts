import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { instanceSchema, predictRequestSchema } from '../../../lambdas/core/contract/instance.ts';
import { formatIssues } from '../../../lambdas/core/contract/issues.ts';

const INSTANCE = {
  air_temperature_k: 298.1,
  process_temperature_k: 308.6,
  rotational_speed_rpm: 1551,
  torque_nm: 42.8,
  tool_wear_min: 0,
  product_type: 'M',
};

function issuesOf(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected the schema to reject the value');
  return formatIssues(result.error);
}

describe('instanceSchema', () => {
  const schema = instanceSchema(DEFAULT_CONTRACT);

  it('accepts a valid instance, including range edges', () => {
    expect(schema.parse(INSTANCE)).toEqual(INSTANCE);
    expect(schema.safeParse({ ...INSTANCE, torque_nm: 0, air_temperature_k: 350 }).success).toBe(true);
  });

  it.each([
    [{ ...INSTANCE, torque_nm: 412 }, 'torque_nm: torque_nm = 412 is outside its valid range 0…200 Nm'],
    [{ ...INSTANCE, torque_nm: '42.8' }, "torque_nm: torque_nm must be a finite number, got '42.8'"],
    [{ ...INSTANCE, torque_nm: null }, 'torque_nm: torque_nm must be a finite number, got null'],
    [{ ...INSTANCE, torque_nm: Infinity }, 'torque_nm: torque_nm must be a finite number, got Infinity'],
    [{ ...INSTANCE, torque_nm: Number.NaN }, 'torque_nm: torque_nm must be a finite number, got NaN'],
    [{ ...INSTANCE, tool_wear_min: 2.5 }, 'tool_wear_min: tool_wear_min must be a whole number, got 2.5'],
    [{ ...INSTANCE, product_type: 'X' }, "product_type: product_type must be one of L, M, H, got 'X'"],
    [{ ...INSTANCE, product_type: undefined }, 'product_type: product_type is required'],
  ])('rejects %o', (instance, message) => {
    expect(issuesOf(schema, instance)).toEqual([message]);
  });

  it('rejects unknown keys and names the expected features', () => {
    expect(issuesOf(schema, { ...INSTANCE, udi: 1, machine_failure: 0 })).toEqual([
      "(root): unknown features 'udi', 'machine_failure'; an instance has exactly the features air_temperature_k, process_temperature_k, rotational_speed_rpm, torque_nm, tool_wear_min, product_type",
    ]);
  });

  it('reports every missing feature and rejects non-objects', () => {
    expect(issuesOf(schema, { torque_nm: 40 })).toHaveLength(5);
    expect(issuesOf(schema, [1, 2])[0]).toMatch(/^\(root\): an instance must be an object with the features/);
  });
});

describe('predictRequestSchema', () => {
  const schema = predictRequestSchema(DEFAULT_CONTRACT, { maxInstances: 3 });

  it('accepts 1 to maxInstances instances', () => {
    expect(schema.parse({ instances: [INSTANCE] })).toEqual({ instances: [INSTANCE] });
    expect(schema.safeParse({ instances: [INSTANCE, INSTANCE, INSTANCE] }).success).toBe(true);
  });

  it('locates a bad field by its path', () => {
    expect(issuesOf(schema, { instances: [INSTANCE, { ...INSTANCE, air_temperature_k: 25 }] })).toEqual([
      'instances[1].air_temperature_k: air_temperature_k = 25 is outside its valid range 250…350 K',
    ]);
  });

  it('rejects empty, oversized and malformed requests', () => {
    expect(issuesOf(schema, { instances: [] })).toEqual(['instances: instances must contain at least one instance']);
    expect(issuesOf(schema, { instances: [INSTANCE, INSTANCE, INSTANCE, INSTANCE] })).toEqual([
      'instances: too many instances: 4; at most 3 per request',
    ]);
    expect(issuesOf(schema, {})).toEqual(['instances: instances is required']);
    expect(issuesOf(schema, { instances: INSTANCE })).toEqual(['instances: instances must be an array of instances']);
    expect(issuesOf(schema, { instances: [INSTANCE], model: 'v1' })).toEqual([
      "(root): unknown key 'model'; the request body is { \"instances\": [ … ] }, with an optional \"explain\": true",
    ]);
    expect(issuesOf(schema, 'hello')).toEqual(['(root): the request body must be a JSON object { "instances": [ … ] }']);
  });

  it('defaults to 1000 instances and refuses a bad limit', () => {
    const defaults = predictRequestSchema(DEFAULT_CONTRACT);
    expect(defaults.safeParse({ instances: Array(1000).fill(INSTANCE) }).success).toBe(true);
    expect(defaults.safeParse({ instances: Array(1001).fill(INSTANCE) }).success).toBe(false);
    expect(() => predictRequestSchema(DEFAULT_CONTRACT, { maxInstances: 0 })).toThrow(RangeError);
  });
});
