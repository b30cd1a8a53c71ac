import type { TableValue } from '../data/table-column.ts';
import { parseDecimal, parseIsoTimestamp } from './cells.ts';
import type { Feature } from './contract.ts';
import { derivedProblems } from './derived.ts';
import type { HeaderBinding } from './header.ts';
import { quoteText } from './messages.ts';
import { inRange, outOfRange } from './range.ts';

/**
 * Validates one CSV record against the contract and turns it into a typed reading, whose derived
 * features must come out as valid model inputs too. A bad row is
 * not an exception: ingest sends it to quarantine with the reason, so the reason names the
 * column, the value and the rule it breaks, on one line.
 */

/**
 * One validated reading keyed by contract names: the id (number for integer ids, else string),
 * the timestamp as a Date (when the contract has one), numeric features as numbers, categorical
 * features as their level, the label as 1, 0 or null (unlabelled).
 */
export type Reading = Record<string, TableValue>;

export type RecordResult = { readonly ok: true; readonly reading: Reading } | { readonly ok: false; readonly reason: string };

/** Checks every field of `values` (one record, in header order); the reason lists every problem found. */
export function validateRecord(binding: HeaderBinding, values: readonly string[]): RecordResult {
  const { contract } = binding;
  if (values.length !== binding.header.length) {
    return {
      ok: false,
      reason: `wrong number of fields: expected ${binding.header.length} (one per header column), got ${values.length}`,
    };
  }
  const cell = (j: number) => values[j].trim();
  const problems: string[] = [];
  const reading: Reading = {};

  const id = cell(binding.id);
  const idName = contract.id.name;
  if (id === '') problems.push(`missing id (${idName})`);
  else if (contract.id.type === 'string') reading[idName] = id;
  else {
    const parsed = parseDecimal(id);
    if (parsed.ok && Number.isSafeInteger(parsed.value)) reading[idName] = parsed.value;
    else problems.push(`${idName} is not an integer id: ${quoteText(id)}`);
  }

  if (contract.timestamp && binding.timestamp !== undefined) {
    const name = contract.timestamp.name;
    const text = cell(binding.timestamp);
    const time = text === '' ? undefined : parseIsoTimestamp(text);
    if (text === '') problems.push(`missing timestamp (${name})`);
    else if (time === undefined) {
      problems.push(`${name} is not an ISO 8601 timestamp: ${quoteText(text)} (expected e.g. 2024-05-01T13:45:00Z)`);
    } else reading[name] = time;
  }

  contract.features.forEach((feature, i) => {
    const result = featureValue(feature, cell(binding.features[i]));
    if (typeof result === 'object') problems.push(result.problem);
    else reading[feature.name] = result;
  });
  // Derived values are model inputs, so a reading that cannot give them is quarantined like a bad
  // one; they are computed again when encoded, not stored (the lake keeps what was measured).
  for (const { message } of derivedProblems(contract, reading)) problems.push(message);

  const labelName = contract.label.name;
  const token = binding.label === undefined ? '' : cell(binding.label);
  if (token === '') reading[labelName] = null;
  else if (contract.label.positive.includes(token)) reading[labelName] = 1;
  else if (contract.label.negative.includes(token)) reading[labelName] = 0;
  else {
    problems.push(
      `${labelName} = ${quoteText(token)} is not a label token: positive ${contract.label.positive.join(', ')}; negative ${contract.label.negative.join(', ')}; empty for unlabelled`,
    );
  }

  return problems.length === 0 ? { ok: true, reading } : { ok: false, reason: problems.join('; ') };
}

function featureValue(feature: Feature, text: string): number | string | { problem: string } {
  if (text === '') return { problem: `missing value for ${feature.name}` };
  if (feature.type === 'categorical') {
    return feature.levels.includes(text)
      ? text
      : { problem: `${feature.name} = ${quoteText(text)} is not a known level (${feature.levels.join(', ')})` };
  }
  const parsed = parseDecimal(text);
  if (!parsed.ok) {
    return parsed.problem === 'not-finite'
      ? { problem: `${feature.name} is ${quoteText(text)}; every value must be a finite number` }
      : { problem: `${feature.name} is not a number: ${quoteText(text)}` };
  }
  if (feature.type === 'integer' && !Number.isInteger(parsed.value)) {
    return { problem: `${feature.name} must be a whole number: ${quoteText(text)}` };
  }
  return inRange(feature, parsed.value) ? parsed.value : { problem: outOfRange(feature, parsed.value) };
}
