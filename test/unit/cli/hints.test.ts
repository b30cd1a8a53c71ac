import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every command the CLI tells a user to run must run from a clone, where `prognos` is not on
 * PATH: `npx prognos …` (package.json's bin). This reads the sources of the CLI and of the core
 * (whose messages reach the same user: doctor, promote, batch scoring, the local API) and finds
 * hints that name a bare `prognos <command>` in code, not in comments. A command named in
 * backticks (`prognos serve` in the OpenAPI text) names it; it is not a hint to type.
 */
const lambdasDir = fileURLToPath(new URL('../../../lambdas', import.meta.url));
const COMMANDS = 'demo|ingest|run|runs|infer|predict|models|rollback|report|serve|watch|schedule|doctor|landing|generate';
const bareHint = new RegExp(`(?<!npx )(?<![\\w\`-])prognos (?:${COMMANDS})\\b`);

/** The .ts files under `folder` (relative to lambdas/), recursively, as paths relative to lambdas/. */
function sourcesUnder(folder: string): string[] {
  return readdirSync(join(lambdasDir, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
}

function codeLines(file: string): { line: number; text: string }[] {
  return readFileSync(join(lambdasDir, file), 'utf8')
    .split('\n')
    .map((text, i) => ({ line: i + 1, text: text.replace(/\/\/.*$/, '') }))
    .filter(({ text }) => !/^\s*(\/\*\*|\*)/.test(text));
}

describe('hints the CLI prints', () => {
  it('say npx prognos, never a bare prognos', () => {
    const files = ['cli', 'core'].flatMap(sourcesUnder);
    expect(files).toContain(join('core', 'serving', 'predict-api.ts'));
    const bare = files
      .flatMap((file) => codeLines(file).filter(({ text }) => bareHint.test(text)).map(({ line, text }) => `${file}:${line}: ${text.trim()}`));
    expect(bare).toEqual([]);
  });

  it('the check finds a bare hint and passes an npx one', () => {
    expect(bareHint.test("throw new CliError('train one with prognos run')")).toBe(true);
    expect(bareHint.test("throw new CliError('train one with npx prognos run')")).toBe(false);
    expect(bareHint.test('`prognos-run` is a file name')).toBe(false);
    expect(bareHint.test("'no model is serving yet: train and promote a champion first (prognos run)'")).toBe(true);
    expect(bareHint.test('`prognos serve` needs neither')).toBe(false);
  });
});
