import type { Expression } from './expression.ts';

/**
 * The SQL emitter of derived features: one text that DuckDB and Athena (Trino) evaluate alike and
 * that gives the values of the in-process evaluator (`expression-eval.ts` states the rules).
 * docs/sql.md explains each form:
 *
 * - every column is `CAST("name" AS DOUBLE)` and every constant a DOUBLE literal (`60E0`): a bare
 *   `60` is an INTEGER and `2.5` a DECIMAL in both engines, and BIGINT / BIGINT truncates;
 * - every operation is parenthesised, so the tree, not the engines' precedence, decides the order,
 *   and a negation is `(- x)`: `--` would start a comment;
 * - `a / NULLIF(b, 0E0)`: division by zero is NULL (both engines would give ±∞ or NaN); a
 *   constant divisor needs no guard;
 * - `CASE WHEN x > 0E0 THEN ln(x) END`, and `x >= 0E0` for `sqrt`: DuckDB raises an error for
 *   `ln(0)` and `sqrt(-1)` where Trino returns −∞ or NaN;
 * - `min`/`max` as `CASE WHEN a <= b THEN a ELSE b END + 0E0 * a + 0E0 * b`: `LEAST` skips NULLs
 *   in DuckDB but not in Trino, and orders NaN differently; the `0E0 * x` terms make the result
 *   NULL or NaN when an argument is NULL, NaN or ±∞;
 * - `+ 0E0` around the whole turns −0 into 0.
 *
 * Guards repeat their argument's text, so the SQL can grow faster than the expression;
 * `expressionSqlLength` measures it without building it.
 */

/** A finite non-negative number as a DOUBLE literal in both engines: the shortest text that reads back as the same double, with an exponent. */
export function doubleLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`a SQL DOUBLE literal must be finite, got ${value}`);
  if (value < 0 || Object.is(value, -0)) return `(- ${doubleLiteral(-value)})`;
  const text = String(value); // shortest round-trip form: '60', '0.5', '1e-7', '1.5e+300'
  return text.includes('e') ? text.replace('e', 'E') : `${text}E0`;
}

// Contract names are lower-case identifiers (names.ts), so quoting needs no escaping; sql.ts quotes the same way.
// A constant divisor is never 0 (the parser refuses `/ 0`), so only a computed one needs NULLIF.
function guardsDivisor(node: Expression & { kind: 'binary' }): boolean {
  return node.operator === '/' && node.right.kind !== 'number';
}

function column(name: string): string {
  return `CAST("${name}" AS DOUBLE)`;
}

const ZERO = '0E0';

function emit(node: Expression): string {
  switch (node.kind) {
    case 'number':
      return doubleLiteral(node.value);
    case 'feature':
      return column(node.name);
    case 'negate':
      return `(- ${emit(node.operand)})`;
    case 'binary': {
      const [left, right] = [emit(node.left), emit(node.right)];
      return guardsDivisor(node) ? `(${left} / NULLIF(${right}, ${ZERO}))` : `(${left} ${node.operator} ${right})`;
    }
    case 'call': {
      const args = node.args.map(emit);
      switch (node.name) {
        case 'abs':
        case 'exp':
          return `${node.name}(${args[0]})`;
        case 'log':
          return `(CASE WHEN ${args[0]} > ${ZERO} THEN ln(${args[0]}) END)`;
        case 'sqrt':
          return `(CASE WHEN ${args[0]} >= ${ZERO} THEN sqrt(${args[0]}) END)`;
        case 'min':
        case 'max': {
          const keep = node.name === 'min' ? '<=' : '>=';
          return args.slice(1).reduce((a, b) => `(CASE WHEN ${a} ${keep} ${b} THEN ${a} ELSE ${b} END + ${ZERO} * ${a} + ${ZERO} * ${b})`, args[0]);
        }
      }
    }
  }
}

/** The SQL value expression of a parsed expression over the feature table's columns. */
export function expressionSql(tree: Expression): string {
  return `(${emit(tree)} + ${ZERO})`;
}

/** Length of `expressionSql(tree)` in characters, computed without building it (guards repeat their arguments). */
export function expressionSqlLength(tree: Expression): number {
  const length = (node: Expression): number => {
    switch (node.kind) {
      case 'number':
        return doubleLiteral(node.value).length;
      case 'feature':
        return column(node.name).length;
      case 'negate':
        return length(node.operand) + 4;
      case 'binary':
        return length(node.left) + length(node.right) + (guardsDivisor(node) ? 18 : 5);
      case 'call': {
        const args = node.args.map(length);
        switch (node.name) {
          case 'abs':
          case 'exp':
            return args[0] + 5;
          case 'log':
            return 2 * args[0] + 32;
          case 'sqrt':
            return 2 * args[0] + 35;
          case 'min':
          case 'max':
            return args.slice(1).reduce((a, b) => 3 * a + 3 * b + 50, args[0]);
        }
      }
    }
  };
  return length(tree) + 8;
}
