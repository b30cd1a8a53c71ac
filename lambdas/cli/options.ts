import { InvalidArgumentError } from 'commander';

/**
 * Parsers for option values, in the shape commander's `.argParser` / `new Option().argParser`
 * takes. A bad value throws InvalidArgumentError, which commander reports against the option
 * ("option '--rows <n>' argument 'x' is invalid. …") before any work starts.
 */

/** An integer in [min, max]. */
export function integerIn(min: number, max: number = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value.trim());
    if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('Expected an integer');
    if (n < min || n > max) throw new InvalidArgumentError(`Expected an integer from ${min} to ${max}`);
    return n;
  };
}

/** A number strictly between 0 and 1 (a share of rows). */
export function openFraction(value: string): number {
  const n = parseDecimal(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('Expected a number strictly between 0 and 1');
  return n;
}

/** A number in (0, 1] (a recall target: 1 means "never miss one"). */
export function positiveFractionUpToOne(value: string): number {
  const n = parseDecimal(value);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('Expected a number greater than 0 and at most 1');
  return n;
}

/** A comma-separated list of column names, e.g. `x0,x1`; blanks around names are dropped. */
export function columnList(value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name.length === 0)) throw new InvalidArgumentError('Expected comma-separated column names, e.g. "x0,x1"');
  if (new Set(names).size !== names.length) throw new InvalidArgumentError('A column is named twice');
  return names;
}

function parseDecimal(value: string): number {
  const text = value.trim();
  // Number('') is 0 and Number('0x1') is 1: accept only plain decimal notation.
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) throw new InvalidArgumentError('Expected a number');
  return Number(text);
}
