import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT, type DataContract, parseContract } from '../../../lambdas/core/contract/contract.ts';
import { encodeRows, labelsOf } from '../../../lambdas/core/contract/encode.ts';
import { SQL_RESERVED_WORDS } from '../../../lambdas/core/contract/names.ts';
import { trainingSetAccountingSql, trainingSetSql } from '../../../lambdas/core/contract/sql.ts';
import { featureTableColumns, sqlTypeOf } from '../../../lambdas/core/contract/table.ts';
import { toRows } from '../../../lambdas/core/ml/dense.ts';
import { PUMP_CONTRACT, PUMP_CONTRACT_JSON } from './fixtures.ts';

const WINDOW = { from: '2024-01-10', to: '2024-01-20' };

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** Creates `sensor_readings` from the contract's columns plus the `dt` partition column, empty. */
async function createFeatureTable(contract: DataContract): Promise<void> {
  const columns = featureTableColumns(contract).map(
    (c) => `"${c.name}" ${sqlTypeOf(c.type)}${c.nullable ? '' : ' NOT NULL'}`,
  );
  await connection.run('DROP TABLE IF EXISTS sensor_readings');
  await connection.run(`CREATE TABLE sensor_readings (${columns.join(', ')}, dt VARCHAR NOT NULL)`);
}

type Cell = number | string | null;

/** Inserts rows given as column → value, with timestamps as 'YYYY-MM-DD HH:MM:SS' strings. */
async function insert(rows: Record<string, Cell>[]): Promise<void> {
  for (const row of rows) {
    const names = Object.keys(row).map((n) => `"${n}"`);
    const values = Object.values(row).map((v) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`));
    await connection.run(`INSERT INTO sensor_readings (${names.join(', ')}) VALUES (${values.join(', ')})`);
  }
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

describe('trainingSetSql', () => {
  it('reads like portable SQL: no DuckDB-only syntax, literals only for the validated window', () => {
    const sql = trainingSetSql(DEFAULT_CONTRACT, WINDOW);
    expect(sql).not.toMatch(/\bQUALIFY\b|::|\bEXCLUDE\b|read_parquet|\bILIKE\b|\bUSING SAMPLE\b/i);
    expect(sql.match(/'[^']*'/g)).toEqual(["'2024-01-10'", "'2024-01-20'"]);
    expect(sql).toContain('ROW_NUMBER() OVER (PARTITION BY "udi" ORDER BY "ingested_at" DESC, "source_key" DESC, "source_line" DESC)');
    expect(sql).toMatch(/ORDER BY "udi"$/);
  });

  it.each([
    [{ from: '2024-1-10', to: '2024-01-20' }, "training window 'from' must be a date YYYY-MM-DD, got \"2024-1-10\""],
    [{ from: '2024-01-10', to: "2024-01-20' OR '1'='1" }, "training window 'to' must be a date YYYY-MM-DD"],
    [{ from: '2024-02-30', to: '2024-03-01' }, "training window 'from' must be a date YYYY-MM-DD"],
    [{ from: '2024-01-21', to: '2024-01-20' }, 'training window is empty: from 2024-01-21 is after to 2024-01-20'],
    [{ from: 20240110, to: '2024-01-20' }, "training window 'from' must be a date YYYY-MM-DD, got 20240110"],
  ])('throws RangeError for the window %o', (window, message) => {
    expect(() => trainingSetSql(DEFAULT_CONTRACT, window as never)).toThrow(RangeError);
    expect(() => trainingSetSql(DEFAULT_CONTRACT, window as never)).toThrow(message);
  });

  it('accepts a one-day window', () => {
    expect(trainingSetSql(DEFAULT_CONTRACT, { from: '2024-01-10', to: '2024-01-10' })).toContain(
      `BETWEEN '2024-01-10' AND '2024-01-10'`,
    );
  });

  describe('in DuckDB, for a contract without timestamp (AI4I)', () => {
    const base = {
      air_temperature_k: 300,
      process_temperature_k: 310,
      rotational_speed_rpm: 1500,
      tool_wear_min: 10,
      product_type: 'L',
      source_key: 'landing/training/a.csv',
    };
    /** A reading whose torque tells the test which row it was. */
    const reading = (udi: number, torque: number, label: number | null, dt: string, ingestedAt: string, line = 2, key = base.source_key) => ({
      ...base,
      udi,
      torque_nm: torque,
      machine_failure: label,
      dt,
      ingested_at: ingestedAt,
      source_line: line,
      source_key: key,
    });

    beforeAll(async () => {
      await createFeatureTable(DEFAULT_CONTRACT);
      await insert([
        // udi 10 before 9 and 2, so only ORDER BY can sort them (numerically: 2 < 9 < 10).
        reading(10, 100, 1, '2024-01-15', '2024-01-15 08:00:00'),
        reading(9, 90, 0, '2024-01-15', '2024-01-15 08:00:00', 3),
        // udi 1: re-ingested later → the later one wins.
        reading(1, 11, 0, '2024-01-10', '2024-01-10 08:00:00'),
        reading(1, 12, 1, '2024-01-12', '2024-01-12 08:00:00'),
        // udi 2: the newest reading is outside the window, so the one inside wins.
        reading(2, 21, 0, '2024-01-20', '2024-01-20 23:59:59'),
        reading(2, 22, 1, '2024-01-21', '2024-01-21 00:00:01'),
        // udi 3: only outside the window.
        reading(3, 31, 1, '2024-01-09', '2024-01-09 12:00:00'),
        reading(3, 32, 1, '2024-01-21', '2024-01-21 12:00:00'),
        // udi 4: only unlabelled.
        reading(4, 41, null, '2024-01-15', '2024-01-15 08:00:00'),
        // udi 5: a later unlabelled reading does not hide the labelled one.
        reading(5, 51, 1, '2024-01-11', '2024-01-11 08:00:00'),
        reading(5, 52, null, '2024-01-13', '2024-01-13 08:00:00'),
        // udi 6: same ingest time → the later file key wins; udi 7: same file → the later line wins.
        reading(6, 61, 0, '2024-01-16', '2024-01-16 08:00:00', 2, 'landing/training/b.csv'),
        reading(6, 62, 1, '2024-01-16', '2024-01-16 08:00:00', 2, 'landing/training/a.csv'),
        reading(7, 71, 0, '2024-01-16', '2024-01-16 08:00:00', 5),
        reading(7, 72, 1, '2024-01-16', '2024-01-16 08:00:00', 4),
      ]);
    });

    it('returns the latest labelled reading per id in the window, ordered by id', async () => {
      const rows = await query(trainingSetSql(DEFAULT_CONTRACT, WINDOW));
      expect(rows.map((r) => [Number(r.udi), r.torque_nm, Number(r.machine_failure)])).toEqual([
        [1, 12, 1],
        [2, 21, 0],
        [5, 51, 1],
        [6, 61, 0],
        [7, 71, 0],
        [9, 90, 0],
        [10, 100, 1],
      ]);
    });

    it('returns exactly the contract columns, in table order', async () => {
      const rows = await query(trainingSetSql(DEFAULT_CONTRACT, WINDOW));
      expect(Object.keys(rows[0])).toEqual([
        'udi',
        'air_temperature_k',
        'process_temperature_k',
        'rotational_speed_rpm',
        'torque_nm',
        'tool_wear_min',
        'product_type',
        'power_w',
        'temperature_difference_k',
        'strain_min_nm',
        'machine_failure',
        'source_key',
        'source_line',
      ]);
    });

    it('gives rows that encode straight into the model matrix and labels', async () => {
      const rows = await query(trainingSetSql(DEFAULT_CONTRACT, WINDOW));
      const X = encodeRows(DEFAULT_CONTRACT, rows);
      // 8 measured columns and the 3 derived ones the AI4I contract adds, computed by the SQL.
      expect([X.rows, X.cols]).toEqual([7, 11]);
      expect(Array.from(X.data.subarray(0, 11))).toEqual([300, 310, 1500, 12, 10, 1, 0, 0, ((12 * 1500 * 2) * Math.PI) / 60, 10, 120]);
      expect(Array.from(labelsOf(DEFAULT_CONTRACT, rows))).toEqual([1, 0, 1, 0, 0, 0, 1]);
    });

    it('includes both ends of the window', async () => {
      const first = await query(trainingSetSql(DEFAULT_CONTRACT, { from: '2024-01-09', to: '2024-01-09' }));
      expect(first.map((r) => [Number(r.udi), r.torque_nm])).toEqual([[3, 31]]);
      const last = await query(trainingSetSql(DEFAULT_CONTRACT, { from: '2024-01-21', to: '2024-01-21' }));
      expect(last.map((r) => [Number(r.udi), r.torque_nm])).toEqual([
        [2, 22],
        [3, 32],
      ]);
    });
  });

  describe('in DuckDB, for a contract with a timestamp and string ids', () => {
    const base = { site: 'North', starts: 1, pump_model: 'A-1', source_line: 2, source_key: 'landing/training/p.csv' };
    const reading = (id: string, vibration: number, label: number | null, readAt: string, dt: string, ingestedAt: string) => ({
      ...base,
      machine_id: id,
      vibration_mm_s: vibration,
      needs_service: label,
      read_at: readAt,
      dt,
      ingested_at: ingestedAt,
    });

    beforeAll(async () => {
      await createFeatureTable(PUMP_CONTRACT);
      await insert([
        // The later reading wins even when it was ingested earlier.
        reading('m-02', 2.1, 1, '2024-01-10 10:00:00', '2024-01-11', '2024-01-11 08:00:00'),
        reading('m-02', 2.2, 0, '2024-01-10 09:00:00', '2024-01-12', '2024-01-12 08:00:00'),
        // Same reading time: the later ingest wins.
        reading('m-01', 1.1, 0, '2024-01-10 10:00:00', '2024-01-11', '2024-01-11 08:00:00'),
        reading('m-01', 1.2, 1, '2024-01-10 10:00:00', '2024-01-13', '2024-01-13 08:00:00'),
        // Unlabelled, and outside the window.
        reading('m-03', 3.1, null, '2024-01-12 10:00:00', '2024-01-12', '2024-01-12 08:00:00'),
        reading('m-04', 4.1, 1, '2024-01-12 10:00:00', '2024-01-25', '2024-01-25 08:00:00'),
        reading('M-10', 10.1, 0, '2024-01-12 10:00:00', '2024-01-12', '2024-01-12 08:00:00'),
      ]);
    });

    it('orders by timestamp first, then ingest time, and returns the timestamp after the id', async () => {
      const sql = trainingSetSql(PUMP_CONTRACT, WINDOW);
      expect(sql).toContain('ORDER BY "read_at" DESC, "ingested_at" DESC, "source_key" DESC, "source_line" DESC');
      const rows = await query(sql);
      expect(Object.keys(rows[0])).toEqual(['machine_id', 'read_at', 'site', 'vibration_mm_s', 'starts', 'pump_model', 'needs_service', 'source_key', 'source_line']);
      // Upper-case sorts before lower-case in both engines (binary collation).
      expect(rows.map((r) => [r.machine_id, r.vibration_mm_s, Number(r.needs_service), (r.read_at as Date).toISOString()])).toEqual([
        ['M-10', 10.1, 0, '2024-01-12T10:00:00.000Z'],
        ['m-01', 1.2, 1, '2024-01-10T10:00:00.000Z'],
        ['m-02', 2.1, 1, '2024-01-10T10:00:00.000Z'],
      ]);
    });

    it('accounts for every reading in the window: unlabelled, replaced by a later reading, kept; and the span of reading and ingest times', async () => {
      const [tally] = await query(trainingSetAccountingSql(PUMP_CONTRACT, WINDOW));
      const kept = (await query(trainingSetSql(PUMP_CONTRACT, WINDOW))).length;
      // Six readings in the window (m-04 is outside): m-03 unlabelled; the earlier m-01 and m-02 replaced.
      expect([Number(tally!.readings), Number(tally!.unlabelled), Number(tally!.usable), Number(tally!.ids)]).toEqual([6, 1, 5, 3]);
      expect(kept).toBe(Number(tally!.ids));
      expect([tally!.first_reading, tally!.last_reading, tally!.first_ingested, tally!.last_ingested].map((t) => new Date(t as string).toISOString())).toEqual([
        '2024-01-10T09:00:00.000Z',
        '2024-01-12T10:00:00.000Z',
        '2024-01-11T08:00:00.000Z',
        '2024-01-13T08:00:00.000Z',
      ]);
    });

    it('computes derived columns and leaves out readings whose derived value is not valid, before ranking', async () => {
      const contract = parseContract({
        ...PUMP_CONTRACT_JSON,
        derived: [
          { name: 'vibration_per_start', expression: 'vibration_mm_s / starts', unit: 'mm/s', max: 5 },
          { name: 'root_vibration', expression: 'sqrt(vibration_mm_s)', unit: '' },
        ],
      });
      await createFeatureTable(contract);
      await insert([
        { ...reading('m-01', 1.5, 0, '2024-01-10 09:00:00', '2024-01-11', '2024-01-11 08:00:00'), starts: 3 },
        // Latest reading of m-01, but zero starts (ingested before the derived feature existed): the earlier one is used.
        { ...reading('m-01', 1.6, 1, '2024-01-10 10:00:00', '2024-01-11', '2024-01-11 08:00:00'), starts: 0 },
        // 12 mm/s per start is outside the range ≤ 5.
        { ...reading('m-02', 12, 1, '2024-01-10 10:00:00', '2024-01-11', '2024-01-11 08:00:00'), starts: 1 },
        { ...reading('m-03', 4, 1, '2024-01-10 10:00:00', '2024-01-11', '2024-01-11 08:00:00'), starts: 8 },
      ]);
      const rows = await query(trainingSetSql(contract, WINDOW));
      expect(Object.keys(rows[0])).toEqual(['machine_id', 'read_at', 'site', 'vibration_mm_s', 'starts', 'pump_model', 'vibration_per_start', 'root_vibration', 'needs_service', 'source_key', 'source_line']);
      expect(rows.map((r) => [r.machine_id, r.vibration_per_start, r.root_vibration])).toEqual([
        ['m-01', 0.5, Math.sqrt(1.5)],
        ['m-03', 0.5, 2],
      ]);
      // The rows encode with the SQL's values, which equal the in-process ones.
      expect(toRows(encodeRows(contract, rows)).map((r) => r.slice(-2))).toEqual(toRows(encodeRows(contract, rows.map(({ vibration_per_start: _, root_vibration: __, ...measured }) => measured))).map((r) => r.slice(-2)));
    });
  });
});

describe('SQL_RESERVED_WORDS', () => {
  it('covers every reserved keyword of the installed DuckDB', async () => {
    const rows = await query("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'");
    const missing = rows.map((r) => String(r.keyword_name)).filter((k) => !SQL_RESERVED_WORDS.has(k));
    expect(missing).toEqual([]);
  });
});
