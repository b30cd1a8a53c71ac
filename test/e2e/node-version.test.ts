/**
 * An unsupported Node.js is refused before the CLI loads anything (bin/require-node.mjs, which
 * `npm start` and `npm run prognos` preload), with the README's remedy.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const probe = ['--import', './bin/require-node.mjs', '-e', "console.log('the CLI would load now')"];

function run(node: string) {
  return spawnSync(node, probe, { cwd: repoRoot, encoding: 'utf8' });
}

/** The machine's own Node (20 on the project's machines), when there is one older than the project needs. */
const systemNode = '/usr/bin/node';
const systemMajor = existsSync(systemNode) ? Number(spawnSync(systemNode, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim()) : Number.NaN;

describe('the Node.js version check', () => {
  it('lets a supported Node through', () => {
    const result = run(process.execPath);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('the CLI would load now');
  });

  it.skipIf(!(systemMajor < 22))('refuses an older Node before anything loads, with the remedy', () => {
    const result = run(systemNode);
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain('the CLI would load now');
    expect(result.stderr).toMatch(/^prognos: Node\.js 2\d\.\d+\.\d+ is too old: Prognos needs Node\.js 22\.12\.0 or newer\./);
    expect(result.stderr).toContain('npm install --prefix ~/.local/node22 node@22');
  });
});
