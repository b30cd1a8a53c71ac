/**
 * The versions nearest to one that does not exist, for the error of `prognos models show`: a
 * version starts with the instant it was made, so "nearest" is nearest in time (a mistyped
 * digit, or a version copied from another machine's listing, lands next to what was meant).
 * Ties keep the newer version first.
 */

/** Milliseconds of a version's leading instant (`20261126T190501.123Z`), or NaN when it has none. */
function instantOf(version: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d{3})?Z/.exec(version);
  if (match === null) return Number.NaN;
  const [, y, mo, d, h, mi, s, ms] = match;
  return Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms ?? ''}Z`);
}

/** Up to `count` of `versions` nearest in time to `wanted`; the newest ones when `wanted` carries no instant. */
export function nearestVersions(wanted: string, versions: readonly string[], count = 3): string[] {
  const at = instantOf(wanted);
  const newestFirst = versions.toSorted((a, b) => b.localeCompare(a));
  if (Number.isNaN(at)) return newestFirst.slice(0, count);
  return newestFirst
    .map((version, order) => ({ version, order, distance: Math.abs(instantOf(version) - at) }))
    .sort((a, b) => a.distance - b.distance || a.order - b.order)
    .slice(0, count)
    .map(({ version }) => version);
}
