import { InvalidDataError } from '../../errors.ts';

/**
 * Float64 arrays as base64 of their little-endian bytes: exact for every double (JSON numbers
 * lose −0 and cost ~20 characters each), so a checkpoint can be JSON and still resume bit for bit.
 */
export function encodeFloats(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  return Buffer.from(bytes).toString('base64');
}

export function decodeFloats(text: string, what: string): Float64Array {
  if (typeof text !== 'string') throw new InvalidDataError(`checkpoint: ${what} must be a base64 string`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 8 !== 0) throw new InvalidDataError(`checkpoint: ${what} has ${bytes.byteLength} bytes, not a whole number of float64 values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float64Array.from({ length: bytes.byteLength / 8 }, (_, i) => view.getFloat64(i * 8, true));
}
