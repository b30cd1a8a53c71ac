import { InvalidDataError, ShapeError } from '../errors.ts';

/**
 * A dense row-major matrix of float64: the one shape every ML routine takes.
 * Row i is data[i*cols … i*cols+cols-1]. Kept as a plain object so it crosses worker threads
 * and artifact payloads without conversion.
 */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function denseMatrix(rows: number, cols: number, data?: Float64Array): DenseMatrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new ShapeError(`matrix dimensions must be non-negative integers, got ${rows}×${cols}`);
  }
  const buffer = data ?? new Float64Array(rows * cols);
  if (buffer.length !== rows * cols) {
    throw new ShapeError(`matrix ${rows}×${cols} needs ${rows * cols} values, got ${buffer.length}`);
  }
  return { rows, cols, data: buffer };
}

/** Builds a matrix from an array of rows, checking that every row has the same length. */
export function fromRows(rows: ArrayLike<number>[], expectedCols?: number): DenseMatrix {
  const cols = expectedCols ?? (rows.length > 0 ? rows[0].length : 0);
  const m = denseMatrix(rows.length, cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) {
      throw new InvalidDataError(`row ${i} has ${row.length} columns, expected ${cols}`);
    }
    for (let j = 0; j < cols; j++) m.data[i * cols + j] = row[j];
  });
  return m;
}

export function row(m: DenseMatrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

export function toRows(m: DenseMatrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(row(m, i)));
}

/** Rows of `m` at `indices`, in that order. */
export function takeRows(m: DenseMatrix, indices: ArrayLike<number>): DenseMatrix {
  const out = denseMatrix(indices.length, m.cols);
  for (let k = 0; k < indices.length; k++) {
    out.data.set(row(m, indices[k]), k * m.cols);
  }
  return out;
}

/** Throws InvalidDataError naming the first NaN or ±Infinity, with its row and column. */
export function assertFinite(m: DenseMatrix, what = 'features', columnNames?: readonly string[]): void {
  for (let k = 0; k < m.data.length; k++) {
    const v = m.data[k];
    if (!Number.isFinite(v)) {
      const i = Math.floor(k / m.cols);
      const j = k % m.cols;
      const column = columnNames?.[j] ?? `column ${j}`;
      throw new InvalidDataError(`${what}: row ${i}, ${column} is ${v}; every value must be a finite number`);
    }
  }
}
