import { UnusableFileError } from '../errors.ts';
import type { DataContract } from './contract.ts';

/**
 * Binds the header of a CSV file to the contract: which field of each record holds the id, the
 * timestamp, the label and every feature. A header cell matches a contract column by its
 * `source` or by its `name` (files written by Prognos itself use the names), after trimming.
 */

/** Field positions (0-based) of the contract columns in one file's records. */
export interface HeaderBinding {
  readonly contract: DataContract;
  /** The header as matched: cells trimmed, byte-order mark removed. */
  readonly header: readonly string[];
  readonly id: number;
  /** Undefined when the contract has no timestamp. */
  readonly timestamp: number | undefined;
  /** Undefined when the file has no label column (allowed unless `requireLabel`). */
  readonly label: number | undefined;
  /** One position per `contract.features` entry, in contract order. */
  readonly features: readonly number[];
}

export interface BindHeaderOptions {
  /** Training files must carry the label column; files to be scored need not. */
  readonly requireLabel: boolean;
}

interface Target {
  readonly key: string;
  readonly name: string;
  readonly source: string;
  readonly required: boolean;
}

/**
 * @throws UnusableFileError listing every problem a person must fix: an empty header, duplicate
 *   header names, missing required columns, columns that are neither mapped nor dropped
 */
export function bindHeader(contract: DataContract, header: readonly string[], options: BindHeaderOptions): HeaderBinding {
  // trim() removes a byte-order mark too (U+FEFF is white space in ECMAScript); be explicit anyway.
  const cells = header.map((cell, j) => (j === 0 ? cell.replace(/^\uFEFF/, '') : cell).trim());
  if (cells.every((cell) => cell === '')) {
    throw new UnusableFileError(
      `the file has an empty header: its first line must name the columns (e.g. ${exampleHeader(contract)})`,
    );
  }

  const targets: Target[] = [
    { key: 'id', ...contract.id, required: true },
    ...(contract.timestamp ? [{ key: 'timestamp', ...contract.timestamp, required: true }] : []),
    { key: 'label', ...contract.label, required: options.requireLabel },
    ...contract.features.map((f, i) => ({ key: `feature:${i}`, name: f.name, source: f.source, required: true })),
  ];
  const byHeader = new Map<string, Target>();
  for (const target of targets) {
    byHeader.set(target.source, target);
    byHeader.set(target.name, target);
  }
  const dropped = new Set(contract.drop);

  const problems: string[] = [];
  const positions = new Map<string, number[]>();
  cells.forEach((cell, j) => positions.set(cell, [...(positions.get(cell) ?? []), j]));
  const duplicates = [...positions].filter(([cell, at]) => cell !== '' && at.length > 1);
  if (duplicates.length > 0) {
    problems.push(
      `the header names ${duplicates.map(([cell, at]) => `'${cell}' ${at.length} times (columns ${at.map((j) => j + 1).join(', ')})`).join(', ')}; every column needs its own name`,
    );
  }
  const unnamed = positions.get('') ?? [];
  if (unnamed.length > 0) {
    problems.push(`column${plural(unnamed)} ${unnamed.map((j) => j + 1).join(', ')} of the header ${unnamed.length === 1 ? 'has' : 'have'} no name (a trailing comma?)`);
  }

  const bound = new Map<string, number>();
  const unknown: string[] = [];
  cells.forEach((cell, j) => {
    if (cell === '') return;
    const target = byHeader.get(cell);
    if (target === undefined) {
      if (!dropped.has(cell)) unknown.push(cell);
      return;
    }
    const earlier = bound.get(target.key);
    if (earlier === undefined) bound.set(target.key, j);
    else if (cells[earlier] !== cell) {
      problems.push(`both '${cells[earlier]}' and '${cell}' map to the contract column ${target.name}; keep one of them`);
    }
  });

  const missing = targets.filter((t) => t.required && !bound.has(t.key));
  if (missing.length > 0) {
    problems.push(`missing required column${plural(missing)} ${missing.map(describeTarget).join(', ')}`);
  }
  if (unknown.length > 0) {
    problems.push(
      `unknown column${plural(unknown)} ${unknown.map((c) => `'${c}'`).join(', ')}: list ${unknown.length === 1 ? 'it' : 'them'} under drop in the contract '${contract.name}' or map ${unknown.length === 1 ? 'it' : 'them'} to a contract column`,
    );
  }
  if (problems.length > 0) {
    throw new UnusableFileError(`the header does not match the data contract '${contract.name}': ${problems.join('; ')}`);
  }

  return {
    contract,
    header: cells,
    id: bound.get('id') as number,
    timestamp: bound.get('timestamp'),
    label: bound.get('label'),
    features: contract.features.map((_, i) => bound.get(`feature:${i}`) as number),
  };
}

function describeTarget(target: Target): string {
  return target.source === target.name ? `'${target.source}'` : `'${target.source}' (${target.name})`;
}

function exampleHeader(contract: DataContract): string {
  const sources = [contract.id.source, contract.timestamp?.source, ...contract.features.map((f) => f.source), contract.label.source];
  return sources.filter((s) => s !== undefined).join(',');
}

function plural(items: readonly unknown[]): string {
  return items.length === 1 ? '' : 's';
}
