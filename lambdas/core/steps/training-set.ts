import { z } from 'zod';
import { trainingSetSql } from '../contract/sql.ts';
import { trainingSetColumns } from '../contract/table.ts';
import { encodeParquet } from '../data/parquet.ts';
import { InsufficientDataError } from '../errors.ts';
import type { StepContext } from './context.ts';
import { parseStepInput, runInputSchema } from './run-state.ts';

/**
 * BuildTrainingSet: the rows one run trains and evaluates on, selected with SQL over the feature
 * table (Athena in AWS, DuckDB locally): the window's partitions, labelled rows only, the latest
 * reading per id. The rows and the query are stored under `lake/training-sets/<run>/`, so a run
 * can be reproduced and audited after the lake has moved on.
 */

export const TRAINING_SETS_PREFIX = 'lake/training-sets/';

export const trainingSetResultSchema = z.object({
  key: z.string(),
  sqlKey: z.string(),
  rows: z.int(),
  positives: z.int(),
  window: z.object({ from: z.string(), to: z.string() }),
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
  const prefix = `${TRAINING_SETS_PREFIX}${run.runName}/`;
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
  context.progress({ kind: 'message', text: `${rows.length} readings from ${window.from} to ${window.to}, ${positives} needing maintenance` });
  return { key, sqlKey, rows: rows.length, positives, window };
}
