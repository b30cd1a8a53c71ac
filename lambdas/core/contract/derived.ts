import type { DataContract, DerivedFeature } from './contract.ts';
import { type Expression, featureReferences, parseExpression } from './expression.ts';
import { compileExpression, type CompiledExpression, type FeatureValues } from './expression-eval.ts';
import { doubleLiteral, expressionSql } from './expression-sql.ts';

/**
 * Derived features of a contract: each expression parsed and compiled once, its value for a
 * reading, why a value cannot be a model input, and its SQL. The row validator, the API request
 * schema, the model encoding and the training-set SQL all come here, so the rule is one rule.
 */

interface CompiledDerived {
  readonly tree: Expression;
  readonly evaluate: CompiledExpression;
  readonly inputs: readonly string[];
}

// Keyed by the text: a contract is parsed again from every model manifest, its expressions need not be.
const compiled = new Map<string, CompiledDerived>();

function compile(expression: string): CompiledDerived {
  let entry = compiled.get(expression);
  if (entry === undefined) {
    const tree = parseExpression(expression);
    entry = { tree, evaluate: compileExpression(tree), inputs: [...new Set(featureReferences(tree).map((r) => r.name))] };
    compiled.set(expression, entry);
  }
  return entry;
}

/**
 * The parsed tree of an expression (cached).
 * @throws ExpressionSyntaxError when the text is not an expression
 */
export function expressionTree(expression: string): Expression {
  return compile(expression).tree;
}

/** The numeric features the derived feature is computed from. */
export function derivedInputs(feature: DerivedFeature): readonly string[] {
  return compile(feature.expression).inputs;
}

/** The compiled expression of a derived feature, for callers that evaluate it on many rows. */
export function derivedEvaluator(feature: DerivedFeature): CompiledExpression {
  return compile(feature.expression).evaluate;
}

/** The derived value for these feature values: NaN when undefined (division by zero, log of 0, …), ±∞ on overflow. */
export function derivedValue(feature: DerivedFeature, values: FeatureValues): number {
  return compile(feature.expression).evaluate(values);
}

/** True when `value` may be a model input: finite and inside the feature's range, if it has one. */
export function isValidDerivedValue(feature: DerivedFeature, value: number): boolean {
  return Number.isFinite(value) && (feature.min === undefined || value >= feature.min) && (feature.max === undefined || value <= feature.max);
}

/**
 * Why the derived value cannot be a model input, naming the feature and its expression, or
 * undefined when it can. `values` are the feature values it was computed from, to say what failed.
 */
export function derivedValueProblem(feature: DerivedFeature, value: number, values: FeatureValues): string | undefined {
  if (isValidDerivedValue(feature, value)) return undefined;
  const what = `${feature.name} = ${feature.expression}`;
  if (!Number.isFinite(value)) return `${what} is not a finite number for this reading: ${firstFailure(compile(feature.expression).tree, values).failure ?? `it is ${value}`}`;
  return `${what} = ${value} is outside its valid range ${derivedRange(feature)}`;
}

/** `0…10000 W`, `≥ 0 W`, `≤ 1 ` */
export function derivedRange(feature: DerivedFeature): string {
  const unit = feature.unit === '' ? '' : ` ${feature.unit}`;
  if (feature.min !== undefined && feature.max !== undefined) return `${feature.min}…${feature.max}${unit}`;
  if (feature.min !== undefined) return `≥ ${feature.min}${unit}`;
  return feature.max === undefined ? 'any finite number' : `≤ ${feature.max}${unit}`;
}

/**
 * One `{ name, message }` per derived feature whose value is not a valid model input. A derived
 * feature whose inputs are not all numbers in `row` is skipped: the bad input is the reason then.
 */
export function derivedProblems(contract: DataContract, row: Readonly<Record<string, unknown>>): { readonly name: string; readonly message: string }[] {
  const problems: { name: string; message: string }[] = [];
  for (const feature of contract.derived) {
    if (!derivedInputs(feature).every((name) => typeof row[name] === 'number')) continue;
    const values = row as FeatureValues;
    const problem = derivedValueProblem(feature, derivedValue(feature, values), values);
    if (problem !== undefined) problems.push({ name: feature.name, message: problem });
  }
  return problems;
}

/** The SQL value of the derived feature over the feature table's columns (a DOUBLE, NULL when undefined). */
export function derivedSql(feature: DerivedFeature): string {
  return expressionSql(compile(feature.expression).tree);
}

/**
 * SQL condition that holds exactly when `isValidDerivedValue` does: `BETWEEN` is false for NULL,
 * NaN and ±∞ in both engines, and the bounds default to the largest finite doubles.
 */
export function derivedValidSql(feature: DerivedFeature): string {
  const min = doubleLiteral(feature.min ?? -Number.MAX_VALUE);
  const max = doubleLiteral(feature.max ?? Number.MAX_VALUE);
  return `${derivedSql(feature)} BETWEEN ${min} AND ${max}`;
}

/** Walks the tree with the evaluator's rules to say where a value stops being finite. Only runs for a failed value. */
function firstFailure(node: Expression, values: FeatureValues): { value: number; failure?: string } {
  const at = `at character ${node.at + 1}`;
  const overflow = (value: number) => (Number.isFinite(value) ? { value } : { value, failure: `overflow in the part starting ${at}` });
  switch (node.kind) {
    case 'number':
      return { value: node.value };
    case 'feature':
      return { value: values[node.name] };
    case 'negate': {
      const inner = firstFailure(node.operand, values);
      return { ...inner, value: -inner.value };
    }
    case 'binary': {
      const [left, right] = [firstFailure(node.left, values), firstFailure(node.right, values)];
      if (left.failure !== undefined) return left;
      if (right.failure !== undefined) return right;
      if (node.operator === '/' && right.value === 0) return { value: NaN, failure: `division by zero (the divisor starting at character ${node.right.at + 1} is 0)` };
      const value = { '+': left.value + right.value, '-': left.value - right.value, '*': left.value * right.value, '/': left.value / right.value }[node.operator];
      return overflow(value);
    }
    case 'call': {
      const args = node.args.map((arg) => firstFailure(arg, values));
      const failed = args.find((arg) => arg.failure !== undefined);
      if (failed !== undefined) return failed;
      const x = args[0].value;
      switch (node.name) {
        case 'log':
          return x > 0 ? { value: Math.log(x) } : { value: NaN, failure: `log of ${x} ${at} (log needs a number > 0)` };
        case 'sqrt':
          return x >= 0 ? { value: Math.sqrt(x) } : { value: NaN, failure: `sqrt of ${x} ${at} (sqrt needs a number ≥ 0)` };
        case 'exp':
          return overflow(Math.exp(x));
        case 'abs':
          return { value: Math.abs(x) };
        case 'min':
          return { value: Math.min(...args.map((a) => a.value)) };
        case 'max':
          return { value: Math.max(...args.map((a) => a.value)) };
      }
    }
  }
}
