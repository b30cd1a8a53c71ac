/**
 * The fields of one CSV line (RFC 4180 quoting, comma-separated). A record is one physical line:
 * no value a data contract allows (id, timestamp, number, level, label) can hold a line break,
 * so a quote still open at the end of the line is an unbalanced quote that costs this line only,
 * where a parser that lets quoted fields run across lines would swallow the rest of the file.
 */

export type LineFields = { readonly ok: true; readonly fields: string[] } | { readonly ok: false; readonly reason: string };

const QUOTE = '"';
const COMMA = ',';

/** Splits `text` into fields; a quoting fault gives the reason with the 1-based column of the field. */
export function splitCsvLine(text: string): LineFields {
  if (!text.includes(QUOTE)) return { ok: true, fields: text.split(COMMA) };
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    const column = fields.length + 1;
    if (text[i] === QUOTE) {
      // A quoted field: "" is a quote inside it; the closing quote must end the field.
      let value = '';
      let j = i + 1;
      for (;;) {
        const close = text.indexOf(QUOTE, j);
        if (close === -1) return { ok: false, reason: `unbalanced quote: the quote that opens field ${column} is not closed on this line` };
        value += text.slice(j, close);
        if (text[close + 1] === QUOTE) {
          value += QUOTE;
          j = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      fields.push(value);
      if (i === text.length) return { ok: true, fields };
      if (text[i] !== COMMA) {
        return { ok: false, reason: `stray text after the closing quote of field ${column}: a quoted field must end at its closing quote` };
      }
      i++;
      if (i === text.length) {
        fields.push('');
        return { ok: true, fields };
      }
      continue;
    }
    const comma = text.indexOf(COMMA, i);
    const end = comma === -1 ? text.length : comma;
    const value = text.slice(i, end);
    if (value.includes(QUOTE)) {
      return { ok: false, reason: `stray quote in field ${column}: a quote may only open and close a whole field (write "" inside a quoted field)` };
    }
    fields.push(value);
    if (comma === -1) return { ok: true, fields };
    i = comma + 1;
    if (i === text.length) {
      fields.push('');
      return { ok: true, fields };
    }
  }
}
