import type { BinaryOperator, Expression, FunctionName } from './expression.ts';

/**
 * The in-process evaluator of derived features (the API, batch scoring and `prognos predict`): the
 * tree compiled once into nested closures, no `eval`. Its results equal those of the SQL that
 * `expression-sql.ts` emits, value for value; both follow the same rules:
 *
 * - arithmetic is IEEE-754 double arithmetic, left to right, as written (nothing is re-associated
 *   or folded);
 * - a division by zero, `log` of a number ≤ 0 and `sqrt` of a negative number are undefined (NaN
 *   here, NULL in SQL), and so is everything computed from an undefined value;
 * - `min` and `max` of an argument that is not finite (an overflow to ±∞, or undefined) are
 *   undefined: SQL engines disagree on `LEAST` over NULL and NaN, so no such case is left to them;
 * - a result of −0 is returned as 0, as the SQL adds 0 to its result.
 *
 * Overflow gives ±∞ in both. A caller decides what a result that is not finite means (the row
 * validator quarantines it).
 */

/** Feature values by name; every feature the expression names must be present. */
export type FeatureValues = Readonly<Record<string, number>>;

/** A compiled expression: feature values in, the derived value out (NaN when undefined). */
export type CompiledExpression = (values: FeatureValues) => number;

type Closure = (values: FeatureValues) => number;

const BINARY: Readonly<Record<BinaryOperator, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => (b === 0 ? NaN : a / b),
};

const UNARY: Readonly<Record<Exclude<FunctionName, 'min' | 'max'>, (x: number) => number>> = {
  abs: Math.abs,
  exp: Math.exp,
  // NaN > 0 is false, so an undefined argument stays undefined.
  log: (x) => (x > 0 ? Math.log(x) : NaN),
  sqrt: (x) => (x >= 0 ? Math.sqrt(x) : NaN),
};

// The same choice as the SQL's CASE WHEN a <= b THEN a ELSE b END, so ties (0 and −0) pick the same one.
const smaller = (a: number, b: number): number => (Number.isFinite(a) && Number.isFinite(b) ? (a <= b ? a : b) : NaN);
const larger = (a: number, b: number): number => (Number.isFinite(a) && Number.isFinite(b) ? (a >= b ? a : b) : NaN);

function compileNode(node: Expression): Closure {
  switch (node.kind) {
    case 'number': {
      const value = node.value;
      return () => value;
    }
    case 'feature': {
      const name = node.name;
      return (values) => values[name];
    }
    case 'negate': {
      const operand = compileNode(node.operand);
      return (values) => -operand(values);
    }
    case 'binary': {
      const [left, right, op] = [compileNode(node.left), compileNode(node.right), BINARY[node.operator]];
      return (values) => op(left(values), right(values));
    }
    case 'call': {
      const args = node.args.map(compileNode);
      if (node.name === 'min' || node.name === 'max') {
        const pick = node.name === 'min' ? smaller : larger;
        return (values) => args.slice(1).reduce((acc, arg) => pick(acc, arg(values)), args[0](values));
      }
      const [arg, fn] = [args[0], UNARY[node.name]];
      return (values) => fn(arg(values));
    }
  }
}

/** Compiles a parsed expression into a function of the feature values. */
export function compileExpression(tree: Expression): CompiledExpression {
  const run = compileNode(tree);
  return (values) => run(values) + 0; // −0 + 0 is +0
}
