/**
 * The expression language of derived features: arithmetic over numeric features, e.g.
 * `torque_nm * rotational_speed_rpm * 2 * pi() / 60`. Text is parsed once, by recursive descent,
 * into a small tree that the SQL emitter (`expression-sql.ts`) and the in-process evaluator
 * (`expression-eval.ts`) both walk, so the two cannot read the text differently.
 *
 *   expression := term (('+' | '-') term)*              left-associative
 *   term       := unary (('*' | '/') unary)*            left-associative, binds tighter than + -
 *   unary      := '-' unary | primary
 *   primary    := number | name | function '(' arguments? ')' | '(' expression ')' | 'π'
 *
 * `×`, `÷` and `−` (U+2212) are accepted for `*`, `/` and `-`. docs/contract.md has the rest.
 */

export type BinaryOperator = '+' | '-' | '*' | '/';

/** Functions of the language and how many arguments each takes (`max` undefined: any number from `min`). */
export const FUNCTIONS = {
  abs: { min: 1, max: 1 },
  sqrt: { min: 1, max: 1 },
  log: { min: 1, max: 1 },
  exp: { min: 1, max: 1 },
  min: { min: 2, max: undefined },
  max: { min: 2, max: undefined },
  pi: { min: 0, max: 0 },
} as const satisfies Record<string, { min: number; max: number | undefined }>;

export type FunctionName = Exclude<keyof typeof FUNCTIONS, 'pi'>;

/** A node of the parsed expression; `at` is the 0-based offset in the text where it starts. */
export type Expression =
  | { readonly kind: 'number'; readonly value: number; readonly at: number }
  | { readonly kind: 'feature'; readonly name: string; readonly at: number }
  | { readonly kind: 'negate'; readonly operand: Expression; readonly at: number }
  | { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: Expression; readonly right: Expression; readonly at: number }
  | { readonly kind: 'call'; readonly name: FunctionName; readonly args: readonly Expression[]; readonly at: number };

/** Longest expression text accepted: a derived feature is a formula, not a program. */
export const MAX_EXPRESSION_LENGTH = 1000;
/** Deepest nesting of parentheses, calls and signs; keeps the parser's recursion far from the stack limit. */
export const MAX_NESTING = 40;

/** A syntax error at a place in the text; `position` is 0-based, the message counts from 1. */
export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
  readonly position: number;
  constructor(problem: string, position: number) {
    super(`${problem} at character ${position + 1}`);
    this.position = position;
  }
}

type Token =
  | { readonly type: 'number'; readonly value: number; readonly text: string; readonly at: number }
  | { readonly type: 'name'; readonly text: string; readonly at: number }
  | { readonly type: 'symbol'; readonly text: '+' | '-' | '*' | '/' | '(' | ')' | ',' | 'π'; readonly at: number }
  | { readonly type: 'end'; readonly text: ''; readonly at: number };

const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const SYMBOLS: Readonly<Record<string, '+' | '-' | '*' | '/' | '(' | ')' | ',' | 'π'>> = {
  '+': '+', '-': '-', '\u2212': '-', '*': '*', '\u00d7': '*', '/': '/', '\u00f7': '/', '(': '(', ')': ')', ',': ',', 'π': 'π',
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const c = text[at];
    if (/\s/.test(c)) {
      at += 1;
      continue;
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text);
    if (number !== null) {
      const value = Number(number[0]);
      // 1e400 would be Infinity here and in DuckDB; a constant must be a finite double.
      if (!Number.isFinite(value)) throw new ExpressionSyntaxError(`number ${number[0]} is too large`, at);
      tokens.push({ type: 'number', value, text: number[0], at });
      at += number[0].length;
      if (/[A-Za-z_]/.test(text[at] ?? '')) throw new ExpressionSyntaxError(`expected an operator after the number ${number[0]}`, at);
      continue;
    }
    NAME.lastIndex = at;
    const name = NAME.exec(text);
    if (name !== null) {
      tokens.push({ type: 'name', text: name[0], at });
      at += name[0].length;
      continue;
    }
    const symbol = SYMBOLS[c];
    if (symbol === undefined) throw new ExpressionSyntaxError(`unexpected character ${describeCharacter(c)}`, at);
    tokens.push({ type: 'symbol', text: symbol, at });
    at += 1;
  }
  tokens.push({ type: 'end', text: '', at });
  return tokens;
}

function describeCharacter(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `'${c}'`;
}

function describeToken(token: Token): string {
  return token.type === 'end' ? 'the end of the expression' : `'${token.text}'`;
}

function isFunction(name: string): name is keyof typeof FUNCTIONS {
  return Object.hasOwn(FUNCTIONS, name);
}

/**
 * Parses an expression into its tree. Names are not resolved here (the contract checks them).
 * @throws ExpressionSyntaxError saying what was expected, what was found, and where
 */
export function parseExpression(text: string): Expression {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError(`the expression is ${text.length} characters long; at most ${MAX_EXPRESSION_LENGTH} are allowed`, MAX_EXPRESSION_LENGTH);
  }
  const tokens = tokenize(text);
  if (tokens.length === 1) throw new ExpressionSyntaxError('the expression is empty', 0);
  let next = 0;
  const peek = (): Token => tokens[next];
  const take = (): Token => tokens[next++];
  const isSymbol = (token: Token, ...symbols: string[]): boolean => token.type === 'symbol' && symbols.includes(token.text);
  const expect = (symbol: string, what: string): Token => {
    const token = take();
    if (!isSymbol(token, symbol)) throw new ExpressionSyntaxError(`expected ${what}, found ${describeToken(token)}`, token.at);
    return token;
  };

  function expression(depth: number): Expression {
    let left = term(depth);
    while (isSymbol(peek(), '+', '-')) {
      const operator = take().text as BinaryOperator;
      left = { kind: 'binary', operator, left, right: term(depth), at: left.at };
    }
    return left;
  }

  function term(depth: number): Expression {
    let left = unary(depth);
    while (isSymbol(peek(), '*', '/')) {
      const operator = take().text as BinaryOperator;
      const right = unary(depth);
      if (operator === '/' && right.kind === 'number' && right.value === 0) throw new ExpressionSyntaxError('division by the constant 0', right.at);
      left = { kind: 'binary', operator, left, right, at: left.at };
    }
    return left;
  }

  function unary(depth: number): Expression {
    const token = peek();
    if (depth > MAX_NESTING) throw new ExpressionSyntaxError(`the expression nests deeper than ${MAX_NESTING} levels`, token.at);
    if (isSymbol(token, '-')) {
      take();
      return { kind: 'negate', operand: unary(depth + 1), at: token.at };
    }
    return primary(depth);
  }

  function primary(depth: number): Expression {
    const token = take();
    if (token.type === 'number') return { kind: 'number', value: token.value, at: token.at };
    if (isSymbol(token, 'π')) return { kind: 'number', value: Math.PI, at: token.at };
    if (isSymbol(token, '(')) {
      const inner = expression(depth + 1);
      expect(')', `')' to close the '(' at character ${token.at + 1}`);
      return inner;
    }
    if (token.type === 'name') {
      if (!isSymbol(peek(), '(')) return { kind: 'feature', name: token.text, at: token.at };
      return call(token.text, token.at, depth);
    }
    if (isSymbol(token, '+')) throw new ExpressionSyntaxError(`unexpected '+' (there is no unary plus)`, token.at);
    throw new ExpressionSyntaxError(`expected a number, a feature, a function or '(', found ${describeToken(token)}`, token.at);
  }

  function call(name: string, at: number, depth: number): Expression {
    if (!isFunction(name)) {
      const hint = name.toLowerCase() === 'ln' ? " (the natural logarithm is 'log')" : '';
      throw new ExpressionSyntaxError(`unknown function '${name}'${hint}; the functions are ${Object.keys(FUNCTIONS).join(', ')}`, at);
    }
    take(); // '('
    const args: Expression[] = [];
    if (!isSymbol(peek(), ')')) {
      args.push(expression(depth + 1));
      while (isSymbol(peek(), ',')) {
        take();
        args.push(expression(depth + 1));
      }
    }
    expect(')', `',' or ')' in the arguments of ${name}`);
    const arity = FUNCTIONS[name];
    if (args.length < arity.min || (arity.max !== undefined && args.length > arity.max)) {
      const wanted = arity.max === undefined ? `at least ${arity.min}` : String(arity.min);
      throw new ExpressionSyntaxError(`${name} takes ${wanted} argument${arity.min === 1 && arity.max === 1 ? '' : 's'}, got ${args.length}`, at);
    }
    if (name === 'pi') return { kind: 'number', value: Math.PI, at };
    return { kind: 'call', name, args, at };
  }

  const tree = expression(0);
  const rest = peek();
  if (rest.type !== 'end') {
    const what = isSymbol(rest, ')') ? `')' without a matching '('` : `${describeToken(rest)}; expected an operator`;
    throw new ExpressionSyntaxError(`unexpected ${what}`, rest.at);
  }
  return tree;
}

/** Every feature reference in the tree, in text order (with repeats), with its position. */
export function featureReferences(tree: Expression): { readonly name: string; readonly at: number }[] {
  switch (tree.kind) {
    case 'number':
      return [];
    case 'feature':
      return [{ name: tree.name, at: tree.at }];
    case 'negate':
      return featureReferences(tree.operand);
    case 'binary':
      return [...featureReferences(tree.left), ...featureReferences(tree.right)];
    case 'call':
      return tree.args.flatMap(featureReferences);
  }
}
