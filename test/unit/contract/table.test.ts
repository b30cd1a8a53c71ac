import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import {
  FEATURE_TABLE,
  featureTableColumns,
  isPartitionValue,
  LINEAGE_COLUMNS,
  partitionOf,
  sqlTypeOf,
} from '../../../lambdas/core/contract/table.ts';
import { PUMP_CONTRACT } from './fixtures.ts';

describe('featureTableColumns', () => {
  it('orders id, features, label, lineage for a contract without timestamp', () => {
    expect(FEATURE_TABLE).toBe('sensor_readings');
    const columns = featureTableColumns(DEFAULT_CONTRACT);
    expect(columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['udi', 'bigint', false],
      ['air_temperature_k', 'double', false],
      ['process_temperature_k', 'double', false],
      ['rotational_speed_rpm', 'bigint', false],
      ['torque_nm', 'double', false],
      ['tool_wear_min', 'bigint', false],
      ['product_type', 'string', false],
      ['machine_failure', 'bigint', true],
      ['source_key', 'string', false],
      ['source_line', 'bigint', false],
      ['ingested_at', 'timestamp', false],
    ]);
    expect(columns.at(-3)).toEqual(LINEAGE_COLUMNS[0]);
  });

  it('puts the timestamp after the id and maps a string id to string', () => {
    const columns = featureTableColumns(PUMP_CONTRACT);
    expect(columns.slice(0, 3).map((c) => [c.name, c.type])).toEqual([
      ['machine_id', 'string'],
      ['read_at', 'timestamp'],
      ['site', 'string'],
    ]);
    expect(columns.map((c) => c.name)).not.toContain('dt');
  });

  it('writes comments with range, unit and source, within Glue’s 255 characters', () => {
    const torque = featureTableColumns(DEFAULT_CONTRACT).find((c) => c.name === 'torque_nm');
    expect(torque?.comment).toBe('Torque on the spindle, valid 0…200 Nm (CSV: Torque [Nm])');
    const long = { ...PUMP_CONTRACT, features: [{ ...PUMP_CONTRACT.features[1], description: 'x'.repeat(400) }] };
    for (const column of featureTableColumns(long)) expect(column.comment?.length ?? 0).toBeLessThanOrEqual(255);
  });
});

describe('sqlTypeOf, partitions', () => {
  it('maps column types to DuckDB/Athena types', () => {
    expect(['double', 'bigint', 'string', 'timestamp'].map((t) => sqlTypeOf(t as never))).toEqual([
      'DOUBLE',
      'BIGINT',
      'VARCHAR',
      'TIMESTAMP',
    ]);
  });

  it('names the UTC date of an instant and recognises only real YYYY-MM-DD dates', () => {
    expect(partitionOf(new Date('2024-05-01T23:30:00-02:00'))).toBe('2024-05-02');
    expect(isPartitionValue('2024-02-29')).toBe(true);
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-01', '2024-01-01 ', "2024-01-01' OR '1'='1", '', '20240101']) {
      expect(isPartitionValue(bad), bad).toBe(false);
    }
  });
});
