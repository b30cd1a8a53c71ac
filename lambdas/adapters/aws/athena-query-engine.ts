import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type QueryExecutionStatus,
} from '@aws-sdk/client-athena';
import { setTimeout as delay } from 'node:timers/promises';
import { TransientError } from '../../core/errors.ts';
import { QueryError, type QueryEngine, type SqlRow } from '../../core/ports/query-engine.ts';
import { errorName, isTransient, transientError } from './aws-errors.ts';
import { cellReader, type CellReader } from './athena-values.ts';

/**
 * The query port on Athena: start the query, poll until it ends (backoff from `initial` to `max`),
 * read every result page. Values are converted by column type as the DuckDB adapter converts
 * them (athena-values.ts), so the steps see the same rows in AWS and locally.
 */

export interface AthenaQueryEngineOptions {
  readonly client: AthenaClient;
  readonly workGroup: string;
  /** The Glue database holding the lake's tables. */
  readonly database: string;
  /** s3://… for results; leave out when the work group enforces its own. */
  readonly outputLocation?: string;
  /** Wait between status checks: starts at `initial`, doubles up to `max`. Default 200 ms → 2 s. */
  readonly pollIntervalMs?: { readonly initial: number; readonly max: number };
  /**
   * Give up (and stop the query) after this long. Default 4 minutes: keep it under the Lambda's
   * timeout, so the query is stopped rather than left running when the function is killed.
   */
  readonly timeoutMs?: number;
  /** For tests: how to wait, and the clock the timeout is measured on. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const DEFAULT_POLL = { initial: 200, max: 2_000 } as const;
const DEFAULT_TIMEOUT_MS = 240_000;
/** GetQueryResults' largest page. */
const PAGE_SIZE = 1_000;

function firstLine(sql: string): string {
  return sql.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
}

function queryError(message: string, sql: string, cause?: unknown): QueryError {
  return new QueryError(`${message}\n  in query: ${firstLine(sql)}`, cause === undefined ? undefined : { cause });
}

/** Result column names made unique as DuckDB's adapter does: the second `x` is `x:1`. */
function uniqueNames(columns: readonly ColumnInfo[]): string[] {
  const seen = new Map<string, number>();
  return columns.map(({ Name }) => {
    const name = Name ?? '';
    const count = seen.get(name) ?? 0;
    seen.set(name, count + 1);
    return count === 0 ? name : `${name}:${count}`;
  });
}

function checkPositive(value: number, what: string): void {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${what} must be a positive number of milliseconds, got ${value}`);
}

export class AthenaQueryEngine implements QueryEngine {
  readonly #client: AthenaClient;
  readonly #workGroup: string;
  readonly #database: string;
  readonly #outputLocation: string | undefined;
  readonly #poll: { readonly initial: number; readonly max: number };
  readonly #timeoutMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  #closed = false;
  /** Statistics.DataScannedInBytes of each query that succeeded, in order: what Athena bills (cost estimate). */
  readonly #scanned: number[] = [];

  constructor(options: AthenaQueryEngineOptions) {
    if (!options.workGroup) throw new TypeError('workGroup is required');
    if (!options.database) throw new TypeError('database is required');
    this.#client = options.client;
    this.#workGroup = options.workGroup;
    this.#database = options.database;
    this.#outputLocation = options.outputLocation;
    this.#poll = options.pollIntervalMs ?? DEFAULT_POLL;
    checkPositive(this.#poll.initial, 'pollIntervalMs.initial');
    checkPositive(this.#poll.max, 'pollIntervalMs.max');
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    checkPositive(this.#timeoutMs, 'timeoutMs');
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#now = options.now ?? Date.now;
  }

  /**
   * Runs one query and returns every row, values converted by column type.
   * @throws QueryError when Athena rejects the query, it fails, is cancelled or times out (stopped)
   * @throws TransientError for throttling, Athena's internal errors, dropped connections, and
   *   failures Athena itself marks retryable
   * @throws RangeError for an integer result beyond ±2^53
   */
  async query(sql: string): Promise<SqlRow[]> {
    if (this.#closed) throw queryError('the query engine is closed', sql);
    if (sql.trim() === '') throw queryError('empty query', sql);
    const started = await this.#call('start the Athena query', sql, () =>
      this.#client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          QueryExecutionContext: { Database: this.#database },
          WorkGroup: this.#workGroup,
          ...(this.#outputLocation === undefined ? {} : { ResultConfiguration: { OutputLocation: this.#outputLocation } }),
        }),
      ),
    );
    const id = started.QueryExecutionId;
    if (id === undefined) throw queryError('Athena started the query but returned no QueryExecutionId', sql);
    await this.#untilDone(id, sql);
    return this.#results(id, sql);
  }

  /** Bytes Athena reported scanned by each query that succeeded so far, in order. */
  dataScannedInBytes(): readonly number[] {
    return this.#scanned;
  }

  /** The client belongs to the caller; this only makes further queries fail, as the port says. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  async #untilDone(id: string, sql: string): Promise<void> {
    const deadline = this.#now() + this.#timeoutMs;
    let wait = this.#poll.initial;
    for (;;) {
      const remaining = deadline - this.#now();
      if (remaining <= 0) await this.#timedOut(id, sql);
      await this.#sleep(Math.min(wait, remaining));
      wait = Math.min(wait * 2, this.#poll.max);
      const out = await this.#call(`check Athena query ${id}`, sql, () => this.#client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })));
      const status = out.QueryExecution?.Status;
      switch (status?.State) {
        case 'SUCCEEDED':
          this.#scanned.push(out.QueryExecution?.Statistics?.DataScannedInBytes ?? 0);
          return;
        case 'FAILED':
          throw this.#failed(id, status, sql);
        case 'CANCELLED':
          throw queryError(`Athena query ${id} was cancelled: ${status.StateChangeReason ?? 'no reason given'}`, sql);
        default: // QUEUED, RUNNING
      }
    }
  }

  #failed(id: string, status: QueryExecutionStatus, sql: string): Error {
    const reason = status.StateChangeReason ?? status.AthenaError?.ErrorMessage ?? 'no reason given';
    // Athena says so when running the same query again may work (an internal error, S3 slowing it down).
    if (status.AthenaError?.Retryable === true) {
      return new TransientError(`Athena query ${id} failed, and Athena marks it retryable: ${reason}\n  in query: ${firstLine(sql)}`);
    }
    return queryError(`Athena query ${id} failed: ${reason}`, sql);
  }

  async #timedOut(id: string, sql: string): Promise<never> {
    let stopped = 'stopped it';
    try {
      await this.#client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    } catch (error) {
      stopped = `could not stop it (${errorName(error) || 'error'}: ${(error as Error).message})`;
    }
    throw queryError(`Athena query ${id} did not finish within ${this.#timeoutMs} ms; ${stopped}`, sql);
  }

  async #results(id: string, sql: string): Promise<SqlRow[]> {
    const rows: SqlRow[] = [];
    let names: string[] | undefined;
    let readers: CellReader[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.#call(`read the results of Athena query ${id}`, sql, () =>
        this.#client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: PAGE_SIZE, ...(NextToken === undefined ? {} : { NextToken }) })),
      );
      let pageRows = page.ResultSet?.Rows ?? [];
      if (names === undefined) {
        const columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo;
        if (columns === undefined) throw queryError(`Athena query ${id} returned no column metadata`, sql);
        names = uniqueNames(columns);
        readers = columns.map(({ Name, Type }) => {
          const reader = cellReader(Type ?? '');
          if (reader === undefined) throw queryError(`column ${Name} has type ${Type}, which has no plain value; cast it to VARCHAR in the query`, sql);
          return reader;
        });
        // The first row of a SELECT's first page holds the column names.
        pageRows = pageRows.slice(1);
      }
      for (const { Data = [] } of pageRows) {
        const row: SqlRow = {};
        names.forEach((name, c) => {
          const text = Data[c]?.VarCharValue;
          row[name] = text === undefined ? null : readers[c](text, name, rows.length);
        });
        rows.push(row);
      }
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
    return rows;
  }

  /** One Athena call: transient failures → TransientError, a rejected request → QueryError, others unchanged. */
  async #call<T>(doing: string, sql: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (isTransient(error)) throw transientError(doing, error);
      if (errorName(error) === 'InvalidRequestException') throw queryError(`cannot ${doing}: ${(error as Error).message}`, sql, error);
      throw error;
    }
  }
}
