import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every command the CLI tells a user to run must run from a clone, where `prognos` is not on
 * PATH: `npx prognos …` (package.json's bin). This reads the CLI's sources and finds hints that
 * name a bare `prognos <command>` in code, not in comments.
 */
const cliDir = fileURLToPath(new URL('../../../lambdas/cli/', import.meta.url));
const COMMANDS = 'demo|ingest|run|runs|infer|predict|models|rollback|report|serve|watch|schedule|doctor|landing|generate';
const bareHint = new RegExp(`(?<!npx )(?<![\\w-])prognos (?:${COMMANDS})\\b`);

function codeLines(file: string): { line: number; text: string }[] {
  return readFileSync(join(cliDir, file), 'utf8')
    .split('\n')
    .map((text, i) => ({ line: i + 1, text: text.replace(/\/\/.*$/, '') }))
    .filter(({ text }) => !/^\s*(\/\*\*|\*)/.test(text));
}

describe('hints the CLI prints', () => {
  it('say npx prognos, never a bare prognos', () => {
    const bare = readdirSync(cliDir)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) => codeLines(file).filter(({ text }) => bareHint.test(text)).map(({ line, text }) => `${file}:${line}: ${text.trim()}`));
    expect(bare).toEqual([]);
  });

  it('the check finds a bare hint and passes an npx one', () => {
    expect(bareHint.test("throw new CliError('train one with prognos run')")).toBe(true);
    expect(bareHint.test("throw new CliError('train one with npx prognos run')")).toBe(false);
    expect(bareHint.test('`prognos-run` is a file name')).toBe(false);
  });
});
