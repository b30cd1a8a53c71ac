import { z } from 'zod';

/**
 * Model version strings: `20261126T190501.123Z-1a2b3c4d` (the UTC instant Train started writing,
 * then 8 hex digits of the run name). A version becomes part of object keys and file paths, so
 * every way one enters (a CLI argument, `champion.json`, the history, a step's input) is checked
 * against this one pattern: no `/`, no `..`, nothing but digits, `T`, `.`, `Z`, `-` and hex.
 */

export const VERSION_PATTERN = /^[0-9]{8}T[0-9]{6}(\.[0-9]{3})?Z-[0-9a-f]{8}$/;

const EXAMPLE = '20261126T190501.123Z-1a2b3c4d';

/** A string that is not a model version; a RangeError, so it reads as "value out of its domain". */
export class InvalidVersionError extends RangeError {
  override readonly name = 'InvalidVersionError' as const;
}

function problem(version: unknown): string {
  const shown = typeof version === 'string' ? JSON.stringify(version.length > 80 ? `${version.slice(0, 80)}…` : version) : String(version);
  return `${shown} is not a model version (expected e.g. ${EXAMPLE})`;
}

export function isVersion(version: unknown): version is string {
  return typeof version === 'string' && VERSION_PATTERN.test(version);
}

/** @throws InvalidVersionError unless `version` looks like one this registry writes */
export function assertVersion(version: unknown): asserts version is string {
  if (!isVersion(version)) throw new InvalidVersionError(problem(version));
}

/** The zod form of {@link assertVersion}, for documents and step inputs that carry versions. */
export const modelVersionSchema = z.string().refine(isVersion, { error: (issue) => problem(issue.input) });
