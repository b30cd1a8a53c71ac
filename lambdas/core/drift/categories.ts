import { type DataContract, isCategorical } from '../contract/contract.ts';
import { oneHotColumnName } from '../contract/names.ts';
import { InvalidDataError } from '../errors.ts';
import type { BatchSummary, CategoryColumns, FeatureReference } from './types.ts';

/**
 * Categorical inputs drift as categories: their one-hot columns (0/1 each, exactly one 1 per row)
 * are read back into level counts, from the reference's column means and the summary's column
 * sums. Both are exact for 0/1 values, so references written before categories were known work
 * unchanged.
 */

/** The categorical features of a contract with the model inputs that encode them (contract/encode.ts). */
export function categoryColumnsOf(contract: DataContract): CategoryColumns[] {
  return contract.features.filter(isCategorical).map((feature) => ({
    name: feature.name,
    levels: [...feature.levels],
    // The contract refuses a level without a column name, so this is defined.
    columns: feature.levels.map((level) => oneHotColumnName(feature.name, level)!),
  }));
}

/**
 * Training rows per level, from each one-hot column's mean (a sum of 0/1 values divided by the
 * row count, so mean × rows rounds back to the exact count).
 * @throws InvalidDataError when a column is not 0/1 or the counts do not add up to the rows
 */
export function referenceLevelCounts(category: CategoryColumns, columns: readonly FeatureReference[], rows: number): number[] {
  const counts = columns.map((column) => {
    if (column.min < 0 || column.max > 1) {
      throw new InvalidDataError(`${category.name}: training column ${column.name} has values in [${column.min}, ${column.max}]; a one-hot column holds 0 or 1`);
    }
    return Math.round(column.mean * rows);
  });
  assertOneHot(category, counts, rows, 'training');
  return counts;
}

/** Batch rows per level, from the summary's column sums. */
export function batchLevelCounts(category: CategoryColumns, columns: readonly BatchSummary['features'][number][], rows: number): number[] {
  const counts = columns.map((column) => Math.round(column.sum));
  assertOneHot(category, counts, rows, 'batch');
  return counts;
}

function assertOneHot(category: CategoryColumns, counts: readonly number[], rows: number, what: string): void {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== rows) {
    throw new InvalidDataError(
      `${category.name}: its ${what} level counts (${counts.join(', ')}) add up to ${total}, not to the ${rows} rows; columns ${category.columns.join(', ')} are not a one-hot encoding`,
    );
  }
}
