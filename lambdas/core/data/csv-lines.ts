/**
 * The physical lines of a byte stream, numbered from 1, with bounded memory: only the current
 * line (at most `maxLineBytes`) is held. A line ends at LF; a CR before it is dropped (CRLF
 * files), a UTF-8 byte-order mark at the very start is dropped. Each line is decoded as UTF-8
 * on its own, so one line of bad bytes costs that line and not its neighbours (LF is never part
 * of a multi-byte UTF-8 sequence, so splitting the bytes first is safe).
 */

export type PhysicalLine =
  | { readonly kind: 'text'; readonly line: number; readonly text: string }
  /** Not UTF-8, holds a NUL byte (binary data), or longer than the limit. */
  | { readonly kind: 'fault'; readonly line: number; readonly reason: string; readonly raw: string };

export interface LineOptions {
  /** A longer line is reported as a fault and skipped without being held. @default 1 MiB */
  readonly maxLineBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

const LF = 0x0a;
const CR = 0x0d;
/** Enough of a faulty line to recognise it; the rest is cut. */
const RAW_PREVIEW_CHARS = 500;

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function preview(bytes: Uint8Array): string {
  const text = lenient.decode(bytes.subarray(0, RAW_PREVIEW_CHARS * 4));
  return text.length > RAW_PREVIEW_CHARS ? `${text.slice(0, RAW_PREVIEW_CHARS)}…` : text;
}

function classify(line: number, bytes: Uint8Array): PhysicalLine {
  if (bytes.includes(0)) return { kind: 'fault', line, reason: 'binary data: the line holds a NUL byte', raw: preview(bytes) };
  try {
    return { kind: 'text', line, text: strict.decode(bytes) };
  } catch {
    return { kind: 'fault', line, reason: 'not UTF-8 text: the line holds bytes that are not valid UTF-8', raw: preview(bytes) };
  }
}

/** Splits `chunks` into physical lines; an empty last line (the file ends with LF) is not reported. */
export async function* physicalLines(chunks: AsyncIterable<Uint8Array>, options: LineOptions = {}): AsyncGenerator<PhysicalLine> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  /** The current line passed the limit: its bytes are being skipped up to the next LF. */
  let overlong = false;
  let overlongPreview = '';
  let line = 1;
  let first = true;

  const finish = (tail: Uint8Array): PhysicalLine => {
    const parts = pendingBytes === 0 ? [tail] : [...pending, tail];
    let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    if (first && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    first = false;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    pending = [];
    pendingBytes = 0;
    return classify(line, bytes);
  };

  for await (const chunk of chunks) {
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(LF, start);
      const stop = end === -1 ? chunk.length : end;
      const piece = chunk.subarray(start, stop);
      if (overlong) {
        // Skipping: nothing of an over-long line is held.
      } else if (pendingBytes + piece.length > maxLineBytes) {
        overlong = true;
        overlongPreview = preview(pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]));
        pending = [];
        pendingBytes = 0;
        first = false;
      } else if (end === -1) {
        // Copy: the caller may reuse its chunk buffer.
        pending.push(Uint8Array.from(piece));
        pendingBytes += piece.length;
      }
      if (end === -1) break;
      if (overlong) {
        yield { kind: 'fault', line, reason: `the line is longer than ${maxLineBytes} bytes`, raw: overlongPreview };
        overlong = false;
      } else {
        yield finish(piece);
      }
      line++;
      start = end + 1;
    }
  }
  if (overlong) yield { kind: 'fault', line, reason: `the line is longer than ${maxLineBytes} bytes`, raw: overlongPreview };
  else if (pendingBytes > 0) yield finish(new Uint8Array(0));
}
