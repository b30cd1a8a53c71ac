import type { DataContract } from '../../contract/contract.ts';
import { writeCsv } from '../../data/csv.ts';
import { DEFAULT_TOP_REASONS } from '../../ml/local-explanation.ts';
import { reasonColumns, reasonText } from '../../ml/reason-text.ts';
import type { FlaggedRow } from './file-outcomes.ts';

/**
 * The batch's work list: the machines its model flagged, highest probability first, one CSV a
 * maintenance planner opens in a spreadsheet. It sits beside the batch report
 * (`lake/predictions/reports/<batch>/flagged.csv`, outside the predictions table's `dt=`
 * partitions), so the report links to it by a relative path.
 */

/** The work list's path relative to the batch report (`reports/<batch>.html`). */
export function workListHref(batchName: string): string {
  return `${batchName}/flagged.csv`;
}

/** Flagged rows of several files as one list: probability descending, then file and line. */
export function mergeFlagged(files: readonly (readonly FlaggedRow[])[]): FlaggedRow[] {
  return files.flat().sort((a, b) => b.probability - a.probability || (a.sourceKey < b.sourceKey ? -1 : a.sourceKey > b.sourceKey ? 1 : a.sourceLine - b.sourceLine));
}

/**
 * The CSV: the reading's id (named as the contract's id column), its landing file and line, the
 * probability, review (1, 0, or empty for a model without one), and the reasons as text
 * (`torque_nm = 76 (reference 39.9): +0.260`; empty past the file's explained rows).
 */
export function workListCsv(contract: DataContract, rows: readonly FlaggedRow[]): string {
  const reasons = reasonColumns(DEFAULT_TOP_REASONS);
  const columns = [contract.id.name, 'source_key', 'source_line', 'probability', 'review', ...reasons];
  return writeCsv(
    rows.map((row) => ({
      [contract.id.name]: row.id,
      source_key: row.sourceKey,
      source_line: row.sourceLine,
      probability: row.probability,
      review: row.review === null ? '' : row.review ? 1 : 0,
      ...Object.fromEntries(reasons.map((column, k) => [column, row.reasons?.[k] === undefined ? '' : reasonText(row.reasons[k])])),
    })),
    columns,
  );
}
