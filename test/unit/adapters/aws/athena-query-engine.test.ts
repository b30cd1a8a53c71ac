/**
 * AthenaQueryEngine against a mocked AthenaClient: the calls it makes (start, poll with backoff,
 * stop on timeout, paged results) and how Athena's text cells become the port's values. The
 * clock is fake: the injected sleep advances it, so timeouts are exact and the test is instant.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InternalServerException,
  InvalidRequestException,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
  type ColumnInfo,
  type GetQueryExecutionCommandOutput,
  type Row,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryEngine, type AthenaQueryEngineOptions } from '../../../../lambdas/adapters/aws/athena-query-engine.ts';
import { DuckDbQueryEngine } from '../../../../lambdas/adapters/local/duckdb-query-engine.ts';
import { isoTimestamp } from '../../../../lambdas/adapters/aws/athena-values.ts';
import { DEFAULT_CONTRACT } from '../../../../lambdas/core/contract/contract.ts';
import { trainingSetSql } from '../../../../lambdas/core/contract/sql.ts';
import { TransientError } from '../../../../lambdas/core/errors.ts';
import { QueryError } from '../../../../lambdas/core/ports/query-engine.ts';

const athena = mockClient(AthenaClient);
const ID = 'c0ffee00-0000-4000-8000-000000000001';
const SQL = 'SELECT "id", "x"\nFROM "sensor_readings"\nWHERE "x" > 0';

let clock: number;
let sleeps: number[];

beforeEach(() => {
  athena.reset();
  clock = 0;
  sleeps = [];
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
});

function engine(options: Partial<AthenaQueryEngineOptions> = {}): AthenaQueryEngine {
  return new AthenaQueryEngine({
    client: new AthenaClient({ region: 'eu-west-1' }),
    workGroup: 'prognos',
    database: 'prognos_lake',
    pollIntervalMs: { initial: 100, max: 400 },
    timeoutMs: 10_000,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
    ...options,
  });
}

function state(State: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED', extra: object = {}): GetQueryExecutionCommandOutput {
  return { $metadata: {}, QueryExecution: { QueryExecutionId: ID, Status: { State, ...extra } } };
}

function succeedAfter(running: number): void {
  let behaviour = athena.on(GetQueryExecutionCommand);
  for (let i = 0; i < running; i++) behaviour = behaviour.resolvesOnce(state(i === 0 ? 'QUEUED' : 'RUNNING')) as never;
  behaviour.resolves(state('SUCCEEDED'));
}

function column(Name: string, Type: string): ColumnInfo {
  return { Name, Label: Name, Type };
}

/** A row of text cells; undefined is a NULL (no VarCharValue). */
function row(...cells: (string | undefined)[]): Row {
  return { Data: cells.map((VarCharValue) => (VarCharValue === undefined ? {} : { VarCharValue })) };
}

/** One result page: the first carries the metadata and the header row, as Athena sends them. */
function results(columns: ColumnInfo[], rows: Row[]): void {
  athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [row(...columns.map((c) => c.Name)), ...rows] } });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error(`expected a rejection with an Error, got ${String(error)}`);
  return error;
}

describe('running a query', () => {
  it('starts it in the database and work group, polls with doubling waits up to the cap, then reads the rows', async () => {
    succeedAfter(5);
    results([column('id', 'varchar'), column('x', 'double')], [row('M1', '1.5'), row('M2', '-2')]);
    const rows = await engine().query(SQL);
    expect(rows).toEqual([
      { id: 'M1', x: 1.5 },
      { id: 'M2', x: -2 },
    ]);
    expect(athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { QueryString: SQL, QueryExecutionContext: { Database: 'prognos_lake' }, WorkGroup: 'prognos' },
    ]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(6);
    expect(sleeps).toEqual([100, 200, 400, 400, 400, 400]);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: ID, MaxResults: 1000 }]);
  });

  it("keeps the bytes Athena reports scanned for each query, for the cost estimate", async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ $metadata: {}, QueryExecution: { QueryExecutionId: ID, Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 12_345 } } })
      .resolves(state('SUCCEEDED'));
    results([column('id', 'varchar')], [row('M1')]);
    const e = engine();
    await e.query(SQL);
    await e.query(SQL);
    // The second reported no statistics: counted as 0 bytes (Athena bills its 10 MB minimum either way).
    expect(e.dataScannedInBytes()).toEqual([12_345, 0]);
  });

  it('sends a result location only when one is given', async () => {
    succeedAfter(0);
    results([column('n', 'bigint')], [row('1')]);
    await engine({ outputLocation: 's3://acme-athena-results/prognos/' }).query('SELECT 1 AS n');
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.ResultConfiguration).toEqual({ OutputLocation: 's3://acme-athena-results/prognos/' });
  });

  it('sends the training-set SQL the pipeline builds, byte for byte', async () => {
    succeedAfter(1);
    results([column('UDI', 'bigint')], []);
    const sql = trainingSetSql(DEFAULT_CONTRACT, { from: '2026-01-01', to: '2026-01-31' });
    expect(await engine().query(sql)).toEqual([]);
    const sent = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.QueryString;
    expect(sent).toBe(sql);
    expect(sent).toContain(`WHERE "dt" BETWEEN '2026-01-01' AND '2026-01-31'`);
    expect(sent).toContain('FROM "sensor_readings"');
  });

  it('reads every page, skipping the header row on the first page only', async () => {
    succeedAfter(0);
    const columns = [column('id', 'varchar'), column('n', 'integer')];
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [row('id', 'n'), row('a', '1'), row('b', '2')] }, NextToken: 't2' })
      .resolvesOnce({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [row('c', '3')] }, NextToken: 't3' })
      .resolvesOnce({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [row('d', '4'), row('e', '5')] } });
    expect(await engine().query(SQL)).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
      { id: 'c', n: 3 },
      { id: 'd', n: 4 },
      { id: 'e', n: 5 },
    ]);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: ID, MaxResults: 1000 },
      { QueryExecutionId: ID, MaxResults: 1000, NextToken: 't2' },
      { QueryExecutionId: ID, MaxResults: 1000, NextToken: 't3' },
    ]);
  });

  it('makes repeated column names unique as the DuckDB adapter does (x, x:1)', async () => {
    succeedAfter(0);
    results([column('x', 'integer'), column('x', 'integer'), column('x', 'varchar')], [row('1', '2', 'three')]);
    expect(await engine().query('SELECT 1 AS x, 2 AS x, \'three\' AS x')).toEqual([{ x: 1, 'x:1': 2, 'x:2': 'three' }]);
  });
});

describe('value conversion by column type', () => {
  it('converts every scalar type as DuckDB’s adapter does, and a missing VarCharValue to null', async () => {
    succeedAfter(0);
    const columns = [
      column('v', 'varchar'),
      column('c', 'char'),
      column('big', 'bigint'),
      column('i', 'integer'),
      column('s', 'smallint'),
      column('t', 'tinyint'),
      column('d', 'double'),
      column('f', 'float'),
      column('r', 'real'),
      column('dec', 'decimal'),
      column('b', 'boolean'),
      column('day', 'date'),
      column('ts', 'timestamp'),
    ];
    results(columns, [
      row('M1', 'L ', '9007199254740991', '-42', '7', '-3', '0.1', '1.5', '-2.25', '12.340', 'true', '2026-01-31', '2026-01-31 23:59:58.123'),
      row('', 'H', '-9007199254740991', '0', '0', '0', '1e-7', 'NaN', 'Infinity', '-0.5', 'false', '1999-12-31', '2026-01-01 00:00:00.000'),
      row(undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined),
    ]);
    const rows = await engine().query(SQL);
    expect(rows[0]).toEqual({ v: 'M1', c: 'L ', big: 9007199254740991, i: -42, s: 7, t: -3, d: 0.1, f: 1.5, r: -2.25, dec: 12.34, b: true, day: '2026-01-31', ts: '2026-01-31T23:59:58.123Z' });
    expect(rows[1]).toEqual({ v: '', c: 'H', big: -9007199254740991, i: 0, s: 0, t: 0, d: 1e-7, f: Number.NaN, r: Number.POSITIVE_INFINITY, dec: -0.5, b: false, day: '1999-12-31', ts: '2026-01-01T00:00:00.000Z' });
    expect(Object.values(rows[2]).every((value) => value === null)).toBe(true);
    expect(Object.keys(rows[2])).toHaveLength(columns.length);
    for (const value of Object.values(rows[0])) expect(typeof value).not.toBe('bigint');
  });

  it('writes timestamps as ISO 8601 in UTC, keeping non-zero micro- and nanoseconds as DuckDB does', () => {
    expect(isoTimestamp('2026-01-02 03:04:05')).toBe('2026-01-02T03:04:05.000Z');
    expect(isoTimestamp('2026-01-02 03:04:05.1')).toBe('2026-01-02T03:04:05.100Z');
    expect(isoTimestamp('2026-01-02 03:04:05.123000')).toBe('2026-01-02T03:04:05.123Z');
    expect(isoTimestamp('2026-01-02 03:04:05.123450')).toBe('2026-01-02T03:04:05.123450Z');
    expect(isoTimestamp('2026-01-02 03:04:05.123456789')).toBe('2026-01-02T03:04:05.123456789Z');
    // Sub-millisecond digits come in whole micro- or nanoseconds, as DuckDB prints them.
    expect(isoTimestamp('2026-01-02 03:04:05.1234')).toBe('2026-01-02T03:04:05.123400Z');
    expect(isoTimestamp('2026-01-02 03:04:05.1234567')).toBe('2026-01-02T03:04:05.123456700Z');
    expect(isoTimestamp('+12026-01-02 03:04:05.000')).toBe('+12026-01-02 03:04:05.000');
  });

  it('gives the very strings the DuckDB adapter gives for the same timestamps and dates', async () => {
    const duck = await DuckDbQueryEngine.open({ tables: [] });
    try {
      const texts = ['2026-01-02 03:04:05', '2026-01-02 03:04:05.1', '2026-01-02 03:04:05.123', '2026-01-02 03:04:05.1234', '2026-01-02 03:04:05.123456', '1969-12-31 23:59:59.999'];
      const [micro] = await duck.query(`SELECT ${texts.map((text, i) => `TIMESTAMP '${text}' AS t${i}`).join(', ')}, DATE '2026-01-31' AS d`);
      texts.forEach((text, i) => expect(isoTimestamp(text), text).toBe(micro[`t${i}`]));
      expect(micro.d).toBe('2026-01-31');
      const [nano] = await duck.query("SELECT CAST('2026-01-02 03:04:05.1234567' AS TIMESTAMP_NS) AS t");
      expect(isoTimestamp('2026-01-02 03:04:05.1234567')).toBe(nano.t);
    } finally {
      await duck.close();
    }
  });

  it('reads timestamp with time zone as the UTC instant; types with parameters by their base type', async () => {
    succeedAfter(0);
    results(
      [column('utc', 'timestamp(3) with time zone'), column('plus2', 'timestamp with time zone'), column('name', 'varchar(10)'), column('amount', 'decimal(10,2)')],
      [row('2026-01-02 03:04:05.678 UTC', '2026-01-02 01:00:00.000 +02:00', 'abc', '3.50')],
    );
    expect(await engine().query(SQL)).toEqual([{ utc: '2026-01-02T03:04:05.678Z', plus2: '2026-01-01T23:00:00.000Z', name: 'abc', amount: 3.5 }]);
  });

  it('refuses integers beyond ±2^53 with a RangeError, as the DuckDB adapter does', async () => {
    succeedAfter(0);
    results([column('n', 'bigint')], [row('9007199254740993')]);
    const error = await failure(engine().query(SQL));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/column n, row 0: integer 9007199254740993 is beyond/);
  });

  it('refuses columns with no plain value (array, map, row, varbinary) with a QueryError saying to cast', async () => {
    for (const type of ['array(integer)', 'map(varchar, integer)', 'row(a integer)', 'varbinary']) {
      athena.reset();
      athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
      succeedAfter(0);
      results([column('odd', type)], [row('[1, 2]')]);
      const error = await failure(engine().query(SQL));
      expect(error, type).toBeInstanceOf(QueryError);
      expect(error.message).toContain(`column odd has type ${type}`);
      expect(error.message).toContain('cast it to VARCHAR');
    }
  });

  it('refuses text that is not of its column’s type (a corrupt result) with a TypeError', async () => {
    succeedAfter(0);
    results([column('n', 'integer')], [row('1.5')]);
    await expect(engine().query(SQL)).rejects.toThrow(TypeError);
    results([column('d', 'double')], [row('')]);
    await expect(engine().query(SQL)).rejects.toThrow(/"" is not a number/);
  });
});

describe('queries that do not succeed', () => {
  it('FAILED → QueryError with Athena’s reason and the SQL’s first line', async () => {
    athena.on(GetQueryExecutionCommand).resolvesOnce(state('RUNNING')).resolves(state('FAILED', { StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved", AthenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false } }));
    const error = await failure(engine().query(SQL));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.name).toBe('QueryError');
    expect(error.message).toContain("COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved");
    expect(error.message).toContain('in query: SELECT "id", "x"');
    expect(error.message).not.toContain('FROM');
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('CANCELLED → QueryError with the reason', async () => {
    athena.on(GetQueryExecutionCommand).resolves(state('CANCELLED', { StateChangeReason: 'Query cancelled by user' }));
    const error = await failure(engine().query(SQL));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toMatch(/cancelled: Query cancelled by user/);
  });

  it('a failure Athena marks retryable → TransientError, so the state machine runs the step again', async () => {
    athena.on(GetQueryExecutionCommand).resolves(state('FAILED', { StateChangeReason: 'GENERIC_INTERNAL_ERROR: internal error', AthenaError: { ErrorCategory: 1, Retryable: true } }));
    const error = await failure(engine().query(SQL));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain('GENERIC_INTERNAL_ERROR');
  });

  it('times out: stops the query and throws QueryError, polling once more at the deadline', async () => {
    athena.on(GetQueryExecutionCommand).resolves(state('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});
    const error = await failure(engine({ timeoutMs: 1_000 }).query(SQL));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toMatch(/did not finish within 1000 ms; stopped it/);
    expect(sleeps).toEqual([100, 200, 400, 300]);
    expect(clock).toBe(1_000);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(4);
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: ID }]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('still throws QueryError on timeout when stopping fails, saying so', async () => {
    athena.on(GetQueryExecutionCommand).resolves(state('QUEUED'));
    athena.on(StopQueryExecutionCommand).rejects(new InvalidRequestException({ $metadata: {}, message: 'Query has already finished' }));
    const error = await failure(engine({ timeoutMs: 150 }).query(SQL));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toMatch(/could not stop it \(InvalidRequestException: Query has already finished\)/);
  });

  it('a query Athena refuses to start (InvalidRequestException) → QueryError', async () => {
    athena.on(StartQueryExecutionCommand).rejects(new InvalidRequestException({ $metadata: { httpStatusCode: 400 }, message: 'Queries of this type are not supported' }));
    const error = await failure(engine().query(SQL));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toContain('Queries of this type are not supported');
  });
});

describe('transient failures → TransientError', () => {
  const throttled = new TooManyRequestsException({ $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded', Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' });

  it('throttling on start', async () => {
    athena.on(StartQueryExecutionCommand).rejects(throttled);
    const error = await failure(engine().query(SQL));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.name).toBe('TransientError');
    expect(error.cause).toBe(throttled);
  });

  it('throttling while polling or paging, and Athena’s internal errors', async () => {
    athena.on(GetQueryExecutionCommand).rejects(throttled);
    expect(await failure(engine().query(SQL))).toBeInstanceOf(TransientError);
    athena.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).rejects(new InternalServerException({ $metadata: { httpStatusCode: 500 }, message: 'internal' }));
    expect(await failure(engine().query(SQL))).toBeInstanceOf(TransientError);
  });

  it('other errors pass through unchanged', async () => {
    const denied = Object.assign(new Error('not authorized to perform athena:StartQueryExecution'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    athena.on(StartQueryExecutionCommand).rejects(denied);
    expect(await failure(engine().query(SQL))).toBe(denied);
  });
});

describe('the engine', () => {
  it('checks its options', () => {
    expect(() => engine({ workGroup: '' })).toThrow(/workGroup/);
    expect(() => engine({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => engine({ pollIntervalMs: { initial: -1, max: 10 } })).toThrow(/pollIntervalMs.initial/);
  });

  it('refuses queries after close, and empty ones, before calling Athena', async () => {
    const subject = engine();
    await expect(subject.query('  \n ')).rejects.toThrow(/empty query/);
    await subject.close();
    await expect(subject.query(SQL)).rejects.toThrow(QueryError);
    expect(athena.calls()).toHaveLength(0);
  });
});
