/** How values appear in validation messages: quoted, on one line, short. */

const MAX_SHOWN = 40;

/** A text value quoted for a one-line message: control characters escaped, long values cut. */
export function quoteText(text: string): string {
  const cut = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const escaped = cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${escaped}'`;
}

/** Any value as a person would name it: `'abc'`, `412`, `null`, `an object`, `boolean true`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return quoteText(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
