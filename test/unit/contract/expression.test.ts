import { describe, expect, it } from 'vitest';
import { compileExpression } from '../../../lambdas/core/contract/expression-eval.ts';
import { type Expression, ExpressionSyntaxError, featureReferences, MAX_NESTING, parseExpression } from '../../../lambdas/core/contract/expression.ts';

/** The tree as fully parenthesised text, positions left out: `((a - b) - c)`. */
function shape(tree: Expression): string {
  switch (tree.kind) {
    case 'number':
      return String(tree.value);
    case 'feature':
      return tree.name;
    case 'negate':
      return `(-${shape(tree.operand)})`;
    case 'binary':
      return `(${shape(tree.left)} ${tree.operator} ${shape(tree.right)})`;
    case 'call':
      return `${tree.name}(${tree.args.map(shape).join(', ')})`;
  }
}

const parsed = (text: string) => shape(parseExpression(text));

function syntaxError(text: string): ExpressionSyntaxError {
  try {
    parseExpression(text);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return error;
    throw error;
  }
  throw new Error(`'${text}' parsed`);
}

describe('parseExpression', () => {
  it('gives * and / precedence over + and -', () => {
    expect(parsed('a + b * c')).toBe('(a + (b * c))');
    expect(parsed('a * b + c')).toBe('((a * b) + c)');
    expect(parsed('a - b / c * d')).toBe('(a - ((b / c) * d))');
  });

  it('associates to the left, so a - b - c is (a - b) - c and a / b / c is (a / b) / c', () => {
    expect(parsed('a - b - c')).toBe('((a - b) - c)');
    expect(parsed('a / b / c')).toBe('((a / b) / c)');
    expect(parsed('a / b * c')).toBe('((a / b) * c)');
    expect(parsed('a - b + c')).toBe('((a - b) + c)');
    // The order is the arithmetic: left to right gives 1, right to left would give 3.
    expect(compileExpression(parseExpression('a - b - c'))({ a: 3, b: 1, c: 1 })).toBe(1);
    expect(compileExpression(parseExpression('a / b / c'))({ a: 8, b: 4, c: 2 })).toBe(1);
  });

  it('lets parentheses override precedence', () => {
    expect(parsed('(a + b) * c')).toBe('((a + b) * c)');
    expect(parsed('a - (b - c)')).toBe('(a - (b - c))');
    expect(parsed('((a))')).toBe('a');
  });

  it('reads unary minus tighter than * and /, and repeated', () => {
    expect(parsed('-a * b')).toBe('((-a) * b)');
    expect(parsed('a * -b')).toBe('(a * (-b))');
    expect(parsed('a - -b')).toBe('(a - (-b))');
    expect(parsed('--a')).toBe('(-(-a))');
    expect(parsed('-(a + b)')).toBe('(-(a + b))');
  });

  it('reads numbers as written: integers, decimals, leading dot, exponents', () => {
    expect(parsed('12 + 1.5 + .25 + 3. + 1e-3 + 2.5E+2')).toBe('(((((12 + 1.5) + 0.25) + 3) + 0.001) + 250)');
  });

  it('accepts ×, ÷ and − for *, / and -, and π or pi() for π', () => {
    expect(parsed('a × b ÷ c − d')).toBe('(((a * b) / c) - d)');
    expect(parsed('2 * π / 60')).toBe(`((2 * ${Math.PI}) / 60)`);
    expect(parsed('2 * pi() / 60')).toBe(`((2 * ${Math.PI}) / 60)`);
  });

  it('reads functions and their arguments', () => {
    expect(parsed('abs(a - b) + sqrt(c) * log(d) - exp(-e)')).toBe('((abs((a - b)) + (sqrt(c) * log(d))) - exp((-e)))');
    expect(parsed('min(a, b) + max(a, b, c * 2)')).toBe('(min(a, b) + max(a, b, (c * 2)))');
    expect(parsed('  a\t*\nb ')).toBe('(a * b)');
  });

  it('notes where each node starts', () => {
    const tree = parseExpression('torque_nm * (rpm - 1)');
    expect(featureReferences(tree)).toEqual([
      { name: 'torque_nm', at: 0 },
      { name: 'rpm', at: 13 },
    ]);
  });

  it.each([
    ['', 'the expression is empty at character 1', 0],
    ['   ', 'the expression is empty at character 1', 0],
    ['a +', "expected a number, a feature, a function or '(', found the end of the expression at character 4", 3],
    ['a * ) ', "expected a number, a feature, a function or '(', found ')' at character 5", 4],
    ['(a + b', "expected ')' to close the '(' at character 1, found the end of the expression at character 7", 6],
    ['a + b)', "unexpected ')' without a matching '(' at character 6", 5],
    ['a b', "unexpected 'b'; expected an operator at character 3", 2],
    ['2a', 'expected an operator after the number 2 at character 2', 1],
    ['a ^ 2', "unexpected character '^' at character 3", 2],
    ['a % 2', "unexpected character '%' at character 3", 2],
    ['a;', "unexpected character ';' at character 2", 1],
    ['"a"', `unexpected character '"' at character 1`, 0],
    ['+a', "unexpected '+' (there is no unary plus) at character 1", 0],
    ['a / 0', 'division by the constant 0 at character 5', 4],
    ['a / 0.0e5', 'division by the constant 0 at character 5', 4],
    ['1e400 * a', 'number 1e400 is too large at character 1', 0],
    ['ln(a)', "unknown function 'ln' (the natural logarithm is 'log'); the functions are abs, sqrt, log, exp, min, max, pi at character 1", 0],
    ['pow(a, 2)', "unknown function 'pow'; the functions are abs, sqrt, log, exp, min, max, pi at character 1", 0],
    ['sqrt(a, b)', 'sqrt takes 1 argument, got 2 at character 1', 0],
    ['abs()', 'abs takes 1 argument, got 0 at character 1', 0],
    ['min(a)', 'min takes at least 2 arguments, got 1 at character 1', 0],
    ['pi(1)', 'pi takes 0 arguments, got 1 at character 1', 0],
    ['max(a, )', "expected a number, a feature, a function or '(', found ')' at character 8", 7],
    ['max(a b)', "expected ',' or ')' in the arguments of max, found 'b' at character 7", 6],
    ['a \u0007 b', 'unexpected character U+0007 at character 3', 2],
  ])('refuses %j: %s', (text, message, position) => {
    const error = syntaxError(text);
    expect(error.name).toBe('ExpressionSyntaxError');
    expect(error.message).toBe(message);
    expect(error.position).toBe(position);
  });

  it('refuses nesting deeper than the limit, and text longer than 1000 characters, without overflowing the stack', () => {
    const deep = `${'('.repeat(MAX_NESTING + 1)}a${')'.repeat(MAX_NESTING + 1)}`;
    expect(syntaxError(deep).message).toMatch(new RegExp(`nests deeper than ${MAX_NESTING} levels`));
    expect(syntaxError('-'.repeat(10_000) + 'a').message).toMatch(/is 10001 characters long; at most 1000/);
    expect(parsed(`${'('.repeat(MAX_NESTING)}a${')'.repeat(MAX_NESTING)}`)).toBe('a');
  });
});
