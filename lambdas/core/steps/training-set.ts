import { z } from 'zod';
import { trainingSetAccountingSql, trainingSetSql } from '../contract/sql.ts';
import { trainingSetColumns } from '../contract/table.ts';
import { encodeParquet } from '../data/parquet.ts';
import { InsufficientDataError } from '../errors.ts';
import type { StepContext } from './context.ts';
import { parseStepInput, runInputSchema } from './run-state.ts';
import { trainingSetPrefix } from '../storage-keys.ts';

/**
 * BuildTrainingSet: the rows one run trains and evaluates on, selected with SQL over the feature
 * table (Athena in AWS, DuckDB locally): the window's partitions, labelled rows only, the latest
 * reading per id. The rows and the query are stored under `lake/training-sets/<run>/`, so a run
 * can be reproduced and audited after the lake has moved on.
 */


export const trainingSetResultSchema = z.object({
  key: z.string(),
  sqlKey: z.string(),
  rows: z.int(),
  positives: z.int(),
  window: z.object({ from: z.string(), to: z.string() }),
  /**
   * Every reading in the window and what became of it: `readings` = `unlabelled` +
   * `invalidDerived` (a derived value out of range: ingested under an older contract) +
   * `replaced` (a later reading of the same id took its place) + `rows`. Absent in records of
   * runs before it was kept.
   */
  accounting: z
    .object({ readings: z.int(), unlabelled: z.int(), invalidDerived: z.int(), replaced: z.int() })
    .optional(),
  /** The time the window's readings span: by the contract's timestamp, or else by when they were ingested; null without readings. */
  dataRange: z.object({ basis: z.enum(['reading time', 'ingest time']), from: z.string(), to: z.string() }).nullable().optional(),
});

export type TrainingSetResult = z.infer<typeof trainingSetResultSchema>;

/** The inclusive window of `days` days that ends on `runDate`. */
export function trainingWindow(runDate: string, days: number): { from: string; to: string } {
  const end = new Date(`${runDate}T00:00:00Z`);
  if (Number.isNaN(end.getTime())) throw new RangeError(`run date ${runDate} is not a calendar date`);
  const start = new Date(end.getTime() - (days - 1) * 86_400_000);
  return { from: start.toISOString().slice(0, 10), to: runDate };
}

export async function buildTrainingSet(input: unknown, context: StepContext): Promise<TrainingSetResult> {
  const run = parseStepInput('BuildTrainingSet', runInputSchema, input);
  const { contract } = context;
  const window = trainingWindow(run.runDate, run.config.windowDays);
  const sql = trainingSetSql(contract, window);
  const rows = await context.queries.query(sql);
  const [tally] = await context.queries.query(trainingSetAccountingSql(contract, window));

  const label = contract.label.name;
  const positives = rows.filter((row) => row[label] === 1).length;
  const negatives = rows.length - positives;
  const needed = run.config.minRowsPerClass;
  if (positives < needed || negatives < needed) {
    throw new InsufficientDataError(
      `the training set for ${window.from} … ${window.to} has ${positives} rows that needed maintenance and ${negatives} that did not; ` +
        `training needs at least ${needed} of each (config.minRowsPerClass). Upload more labelled readings or widen config.windowDays.`,
    );
  }
  const columns = trainingSetColumns(contract).filter((column) => column.name in rows[0]!);
  const prefix = trainingSetPrefix(run.runName);
  const key = `${prefix}training-set.parquet`;
  const sqlKey = `${prefix}query.sql`;
  await context.store.put(sqlKey, `${sql}\n`, { contentType: 'application/sql' });
  // The engine returns timestamps as ISO text; the Parquet column wants the instant.
  const typed = rows.map((row) => {
    const out: Record<string, number | string | Date | null> = { ...row } as Record<string, number | string | Date | null>;
    for (const column of columns) if (column.type === 'timestamp' && typeof row[column.name] === 'string') out[column.name] = new Date(row[column.name] as string);
    return out;
  });
  await context.store.put(key, encodeParquet(columns, typed));
  const { accounting, dataRange } = accountFor(tally ?? {}, rows.length, contract.timestamp !== undefined);
  const left = [
    accounting.replaced > 0 ? `${accounting.replaced} replaced by a later reading of the same id` : '',
    accounting.unlabelled > 0 ? `${accounting.unlabelled} unlabelled` : '',
    accounting.invalidDerived > 0 ? `${accounting.invalidDerived} with a derived value out of range` : '',
  ].filter((part) => part !== '');
  context.progress({
    kind: 'message',
    text: `${rows.length} of ${accounting.readings} readings ingested ${window.from} … ${window.to}, ${positives} needing maintenance${left.length > 0 ? `; left out: ${left.join(', ')}` : ''}`,
  });
  return { key, sqlKey, rows: rows.length, positives, window, accounting, dataRange };
}

/** The accounting query's one row as counts that add up to the training set's rows, and the data's time span. */
function accountFor(tally: Record<string, unknown>, rows: number, byReadingTime: boolean): Pick<Required<TrainingSetResult>, 'accounting' | 'dataRange'> {
  const count = (name: string): number => Number(tally[name] ?? 0);
  const readings = count('readings');
  const unlabelled = count('unlabelled');
  const usable = count('usable');
  const [first, last] = byReadingTime ? [tally.first_reading, tally.last_reading] : [tally.first_ingested, tally.last_ingested];
  const instant = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : new Date(value as string | number | Date).toISOString());
  const from = instant(first);
  const to = instant(last);
  return {
    accounting: { readings, unlabelled, invalidDerived: readings - unlabelled - usable, replaced: usable - rows },
    dataRange: from === undefined || to === undefined ? null : { basis: byReadingTime ? 'reading time' : 'ingest time', from, to },
  };
}
