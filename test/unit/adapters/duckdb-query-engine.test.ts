import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine, type LakeTable } from '../../../lambdas/adapters/local/duckdb-query-engine.ts';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.ts';
import { encodeParquet } from '../../../lambdas/core/data/parquet.ts';
import type { TableColumn, TableRow } from '../../../lambdas/core/data/table-column.ts';
import { QueryError } from '../../../lambdas/core/ports/query-engine.ts';

const COLUMNS: readonly TableColumn[] = [
  { name: 'machine_id', type: 'string', nullable: false },
  { name: 'read_at', type: 'timestamp', nullable: false },
  { name: 'air_temperature_k', type: 'double', nullable: true },
  { name: 'tool_wear_min', type: 'bigint', nullable: true },
];

function reading(machine: string, iso: string, temperature: number | null, wear: number | null): TableRow {
  return { machine_id: machine, read_at: new Date(iso), air_temperature_k: temperature, tool_wear_min: wear };
}

const DAY1 = [
  reading('M1', '2026-01-01T08:00:00Z', 298.0, 10),
  reading('M1', '2026-01-01T09:00:00Z', 300.0, 12),
  reading('M2', '2026-01-01T08:00:00Z', 301.0, null),
];
const DAY2 = [
  reading('M1', '2026-01-02T08:00:00Z', 302.0, 14),
  reading('M2', '2026-01-02T08:00:00Z', null, 3),
  reading('M2', '2026-01-02T09:30:00.250Z', 305.0, 5),
];

describe('DuckDbQueryEngine', () => {
  let dir: string;
  let root: string;
  let engine: DuckDbQueryEngine | undefined;

  async function writePart(path: string, rows: readonly TableRow[], columns: readonly TableColumn[] = COLUMNS): Promise<void> {
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, encodeParquet(columns, rows));
  }

  async function open(tables?: LakeTable[]): Promise<DuckDbQueryEngine> {
    engine = await DuckDbQueryEngine.open({ tables: tables ?? [{ name: 'sensor_readings', root, columns: COLUMNS, partitionColumn: 'dt' }] });
    return engine;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prognos-duckdb-'));
    root = join(dir, 'lake', 'features');
  });
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  describe('over Hive-partitioned Parquet files', () => {
    beforeEach(async () => {
      await writePart('dt=2026-01-01/part-0.parquet', DAY1);
      await writePart('dt=2026-01-02/part-0.parquet', DAY2);
    });

    it('exposes exactly the declared columns and types, plus the partition as VARCHAR', async () => {
      const db = await open();
      const columns = await db.query(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'sensor_readings' ORDER BY ordinal_position`,
      );
      expect(columns).toEqual([
        { column_name: 'machine_id', data_type: 'VARCHAR' },
        { column_name: 'read_at', data_type: 'TIMESTAMP' },
        { column_name: 'air_temperature_k', data_type: 'DOUBLE' },
        { column_name: 'tool_wear_min', data_type: 'BIGINT' },
        { column_name: 'dt', data_type: 'VARCHAR' },
      ]);
    });

    it('filters on the partition column and converts values to plain JavaScript', async () => {
      const db = await open();
      const rows = await db.query(`SELECT * FROM sensor_readings WHERE dt = '2026-01-02' ORDER BY machine_id, read_at`);
      expect(rows).toEqual([
        { machine_id: 'M1', read_at: '2026-01-02T08:00:00.000Z', air_temperature_k: 302, tool_wear_min: 14, dt: '2026-01-02' },
        { machine_id: 'M2', read_at: '2026-01-02T08:00:00.000Z', air_temperature_k: null, tool_wear_min: 3, dt: '2026-01-02' },
        { machine_id: 'M2', read_at: '2026-01-02T09:30:00.250Z', air_temperature_k: 305, tool_wear_min: 5, dt: '2026-01-02' },
      ]);
      expect(typeof rows[0].tool_wear_min).toBe('number');
    });

    it('runs window functions across partitions', async () => {
      const db = await open();
      const rows = await db.query(`
        SELECT machine_id, dt,
               ROW_NUMBER() OVER w AS n,
               AVG(air_temperature_k) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS rolling,
               LAG(tool_wear_min) OVER w AS previous_wear
        FROM sensor_readings
        WHERE dt BETWEEN '2026-01-01' AND '2026-01-02'
        WINDOW w AS (PARTITION BY machine_id ORDER BY read_at)
        ORDER BY machine_id, n`);
      expect(rows).toEqual([
        { machine_id: 'M1', dt: '2026-01-01', n: 1, rolling: 298, previous_wear: null },
        { machine_id: 'M1', dt: '2026-01-01', n: 2, rolling: 299, previous_wear: 10 },
        { machine_id: 'M1', dt: '2026-01-02', n: 3, rolling: 301, previous_wear: 12 },
        { machine_id: 'M2', dt: '2026-01-01', n: 1, rolling: 301, previous_wear: null },
        { machine_id: 'M2', dt: '2026-01-02', n: 2, rolling: 301, previous_wear: null },
        { machine_id: 'M2', dt: '2026-01-02', n: 3, rolling: 305, previous_wear: 3 },
      ]);
    });

    it('sees a partition written after the first query', async () => {
      const db = await open();
      expect(await db.query('SELECT COUNT(*) AS n FROM sensor_readings')).toEqual([{ n: 6 }]);
      await writePart('dt=2026-01-03/part-0.parquet', [reading('M3', '2026-01-03T12:00:00Z', 299.5, 1)]);
      expect(await db.query('SELECT COUNT(*) AS n, MAX(dt) AS last FROM sensor_readings')).toEqual([{ n: 7, last: '2026-01-03' }]);
      await writePart('dt=2026-01-03/part-1.parquet', [reading('M3', '2026-01-03T13:00:00Z', 299.7, 2)]);
      expect(await db.query(`SELECT machine_id, tool_wear_min FROM sensor_readings WHERE dt = '2026-01-03' ORDER BY read_at`)).toEqual([
        { machine_id: 'M3', tool_wear_min: 1 },
        { machine_id: 'M3', tool_wear_min: 2 },
      ]);
    });

    it('sees a file rewritten in place, and one deleted', async () => {
      const db = await open();
      expect(await db.query('SELECT COUNT(*) AS n FROM sensor_readings')).toEqual([{ n: 6 }]);
      await writePart('dt=2026-01-02/part-0.parquet', DAY2.slice(0, 1));
      expect(await db.query('SELECT COUNT(*) AS n FROM sensor_readings')).toEqual([{ n: 4 }]);
      await rm(join(root, 'dt=2026-01-01'), { recursive: true });
      expect(await db.query('SELECT COUNT(*) AS n FROM sensor_readings')).toEqual([{ n: 1 }]);
    });

    it('casts files to the declared types, and reads a column older files lack as NULL', async () => {
      const older: TableColumn[] = [
        { name: 'machine_id', type: 'string', nullable: false },
        { name: 'read_at', type: 'timestamp', nullable: false },
        { name: 'tool_wear_min', type: 'double', nullable: true }, // written as DOUBLE by an older build
      ];
      await writePart('dt=2025-12-31/part-0.parquet', [{ machine_id: 'M0', read_at: new Date('2025-12-31T23:00:00Z'), tool_wear_min: 7 }], older);
      const db = await open();
      const rows = await db.query(`SELECT machine_id, air_temperature_k, tool_wear_min, typeof(tool_wear_min) AS t FROM sensor_readings WHERE dt = '2025-12-31'`);
      expect(rows).toEqual([{ machine_id: 'M0', air_temperature_k: null, tool_wear_min: 7, t: 'BIGINT' }]);
    });

    it('reads a declared column that no file has yet as NULL', async () => {
      const db = await open([{ name: 'sensor_readings', root, columns: [...COLUMNS, { name: 'torque_nm', type: 'double', nullable: true }], partitionColumn: 'dt' }]);
      expect(await db.query('SELECT COUNT(*) AS n, COUNT(torque_nm) AS torque FROM sensor_readings')).toEqual([{ n: 6, torque: 0 }]);
    });

    it('ignores hidden and underscore files and folders, and files that are not .parquet', async () => {
      await mkdir(join(root, '_temporary'), { recursive: true });
      await writeFile(join(root, '_temporary', 'part-9.parquet'), 'not parquet');
      await writeFile(join(root, 'dt=2026-01-01', '.prognos~tmp~1~ab'), 'half written');
      await writeFile(join(root, 'dt=2026-01-01', '.part-2.parquet'), 'not parquet');
      await writeFile(join(root, '_SUCCESS'), '');
      await writeFile(join(root, 'dt=2026-01-01', 'README.txt'), 'hello');
      const db = await open();
      expect(await db.query('SELECT COUNT(*) AS n FROM sensor_readings')).toEqual([{ n: 6 }]);
    });

    it('runs concurrent queries on one engine', async () => {
      const db = await open();
      const counts = await Promise.all(['2026-01-01', '2026-01-02', '2026-01-01', '2026-01-02'].map((dt) => db.query(`SELECT COUNT(*) AS n FROM sensor_readings WHERE dt = '${dt}'`)));
      expect(counts).toEqual([[{ n: 3 }], [{ n: 3 }], [{ n: 3 }], [{ n: 3 }]]);
    });

    it('reports a corrupt Parquet file as QueryError naming the table', async () => {
      await writeFile(join(root, 'dt=2026-01-02', 'part-1.parquet'), 'PAR1 but not really');
      const db = await open();
      const error = await db.query('SELECT COUNT(*) FROM sensor_readings').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueryError);
      expect((error as Error).message).toContain('sensor_readings');
    });
  });

  describe('a table without files', () => {
    it('is an empty relation with the declared columns and types', async () => {
      const db = await open();
      expect(await db.query('SELECT * FROM sensor_readings')).toEqual([]);
      expect(await db.query(`SELECT COUNT(*) AS n FROM sensor_readings WHERE dt = '2026-01-01'`)).toEqual([{ n: 0 }]);
      const types = await db.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'sensor_readings' ORDER BY ordinal_position`);
      expect(types.map((t) => t.data_type)).toEqual(['VARCHAR', 'TIMESTAMP', 'DOUBLE', 'BIGINT', 'VARCHAR']);
    });

    it('fills once the first file arrives', async () => {
      const db = await open();
      await mkdir(root, { recursive: true });
      expect(await db.query('SELECT COUNT(*) AS n FROM sensor_readings')).toEqual([{ n: 0 }]);
      await writePart('dt=2026-01-01/part-0.parquet', DAY1);
      expect(await db.query('SELECT COUNT(*) AS n FROM sensor_readings')).toEqual([{ n: 3 }]);
    });

    it('works without a partition column, and for several tables', async () => {
      const predictions = join(dir, 'lake', 'training-sets');
      const columns: TableColumn[] = [{ name: 'p', type: 'double', nullable: false }];
      const db = await open([
        { name: 'sensor_readings', root, columns: COLUMNS, partitionColumn: 'dt' },
        { name: 'training_set', root: predictions, columns },
      ]);
      expect(await db.query('SELECT * FROM training_set')).toEqual([]);
      await mkdir(join(predictions, 'run-1'), { recursive: true });
      await writeFile(join(predictions, 'run-1', 'part-0.parquet'), encodeParquet(columns, [{ p: 0.25 }, { p: 0.5 }]));
      expect(await db.query('SELECT SUM(p) AS s FROM training_set')).toEqual([{ s: 0.75 }]);
      expect(await db.query('SELECT COUNT(*) AS n FROM sensor_readings')).toEqual([{ n: 0 }]);
    });
  });

  describe('result values', () => {
    it('keeps column order and converts DATE, TIMESTAMP, DECIMAL, BIGINT, BOOLEAN', async () => {
      const db = await open();
      const [row] = await db.query(`
        SELECT 'z' AS zeta, 1::BIGINT AS alpha, 2.50::DECIMAL(10, 2) AS price, DATE '2026-01-02' AS day,
               TIMESTAMP '2026-01-02 03:04:05.678901' AS at_us, TIMESTAMP '1960-01-01 00:00:00' AS before_1970,
               TIMESTAMPTZ '2026-01-02 03:04:05+02' AS at_tz, true AS flag, 9007199254740991::HUGEINT AS max_safe,
               NULL::DOUBLE AS nothing, 1.5::FLOAT AS single`);
      expect(Object.keys(row)).toEqual(['zeta', 'alpha', 'price', 'day', 'at_us', 'before_1970', 'at_tz', 'flag', 'max_safe', 'nothing', 'single']);
      expect(row).toEqual({
        zeta: 'z',
        alpha: 1,
        price: 2.5,
        day: '2026-01-02',
        at_us: '2026-01-02T03:04:05.678901Z',
        before_1970: '1960-01-01T00:00:00.000Z',
        at_tz: '2026-01-02T01:04:05.000Z',
        flag: true,
        max_safe: 9007199254740991,
        nothing: null,
        single: 1.5,
      });
    });

    it('throws RangeError for an integer beyond ±2^53', async () => {
      const db = await open();
      await expect(db.query('SELECT 9007199254740993::BIGINT AS big')).rejects.toThrow(RangeError);
      await expect(db.query('SELECT -9007199254740993::BIGINT AS big')).rejects.toThrow(/column big, row 0/);
    });

    it('keeps both of two columns with the same name', async () => {
      const db = await open();
      const [row] = await db.query('SELECT 1 AS a, 2 AS a');
      expect(Object.values(row)).toEqual([1, 2]);
    });

    it('refuses nested values with a QueryError that says to cast', async () => {
      const db = await open();
      await expect(db.query('SELECT [1, 2] AS list')).rejects.toThrow(/column list has type INTEGER\[\].*cast it to VARCHAR/);
    });
  });

  describe('errors', () => {
    it('a bad query is a QueryError with DuckDB’s message and the first line of the SQL', async () => {
      const db = await open();
      const error = await db.query('\n  SELEC machine_id\n  FROM sensor_readings').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueryError);
      expect((error as Error).name).toBe('QueryError');
      expect((error as Error).message).toMatch(/syntax error at or near "SELEC"/);
      expect((error as Error).message).toContain('in query: SELEC machine_id');
    });

    it('an unknown table or column is a QueryError', async () => {
      const db = await open();
      await expect(db.query('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
      await expect(db.query('SELECT no_such_column FROM sensor_readings')).rejects.toBeInstanceOf(QueryError);
    });

    it('runs exactly one SELECT: no second statement, no DDL, no COPY, no empty query', async () => {
      const db = await open();
      await expect(db.query('SELECT 1; SELECT 2')).rejects.toThrow(/one statement, got 2/);
      await expect(db.query('DROP VIEW sensor_readings')).rejects.toThrow(/only SELECT queries run here, got a DROP statement/);
      await expect(db.query(`COPY (SELECT 1) TO '${join(dir, 'out.csv')}'`)).rejects.toBeInstanceOf(QueryError);
      await expect(db.query('   ')).rejects.toThrow(/empty query/);
      expect(await db.query('WITH t AS (SELECT 41 AS x) SELECT x + 1 AS y FROM t')).toEqual([{ y: 42 }]);
      expect(await db.query('SELECT COUNT(*) AS n FROM sensor_readings')).toEqual([{ n: 0 }]);
    });

    it('rejects a closed engine’s queries, and closing twice is harmless', async () => {
      const db = await open();
      await db.close();
      await db.close();
      await expect(db.query('SELECT 1')).rejects.toThrow(/closed/);
    });

    it('checks the table declarations', async () => {
      await expect(DuckDbQueryEngine.open({ tables: [{ name: 'bad name', root, columns: COLUMNS }] })).rejects.toThrow(TypeError);
      await expect(DuckDbQueryEngine.open({ tables: [{ name: 't', root: 'relative/path', columns: COLUMNS }] })).rejects.toThrow(/absolute/);
      await expect(DuckDbQueryEngine.open({ tables: [{ name: 't', root, columns: COLUMNS, partitionColumn: 'machine_id' }] })).rejects.toThrow(/partition column/);
      await expect(DuckDbQueryEngine.open({ tables: [{ name: 't', root, columns: [COLUMNS[0], COLUMNS[0]] }] })).rejects.toThrow(/twice/);
    });
  });

  it('reads paths with quotes, spaces and glob characters literally', async () => {
    root = join(dir, "it's a [lake] *?", 'features');
    await writePart('dt=2026-01-01/part-0.parquet', DAY1);
    await mkdir(join(dir, "it's a [lake] *?", 'other', 'dt=2026-01-01'), { recursive: true });
    await writeFile(join(dir, "it's a [lake] *?", 'other', 'dt=2026-01-01', 'x.parquet'), encodeParquet(COLUMNS, DAY2));
    const db = await open();
    expect(await db.query('SELECT COUNT(*) AS n FROM sensor_readings')).toEqual([{ n: 3 }]);
  });

  it('reads what FsObjectStore writes, while its writes are in flight', async () => {
    const store = new FsObjectStore(dir);
    const db = await open();
    const writes = Array.from({ length: 10 }, (_, i) =>
      store.put(`lake/features/dt=2026-01-0${(i % 3) + 1}/part-${i}.parquet`, encodeParquet(COLUMNS, [reading(`M${i}`, '2026-01-01T00:00:00Z', 300 + i, i)])),
    );
    // Queries racing the writes see whole files only: any count from 0 to 10, never an error.
    const during = await Promise.all(Array.from({ length: 5 }, () => db.query('SELECT COUNT(*) AS n FROM sensor_readings')));
    for (const [row] of during) expect(row.n).toBeLessThanOrEqual(10);
    await Promise.all(writes);
    expect(await db.query('SELECT COUNT(*) AS n, SUM(tool_wear_min) AS wear, COUNT(DISTINCT dt) AS days FROM sensor_readings')).toEqual([{ n: 10, wear: 45, days: 3 }]);
  });
});
