/**
 * `cdk synth` as a deployer runs it: the CDK CLI, offline, real esbuild bundling of every Lambda,
 * cdk-nag on the way. The other infra tests assert the templates; this one proves the command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './app.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('npx cdk synth', () => {
  it('succeeds offline with every stack, every bundle and no unacknowledged cdk-nag finding', () => {
    const out = tempDir();
    const cdk = join(repoRoot, 'node_modules', '.bin', 'cdk');
    const result = spawnSync(cdk, ['synth', '--quiet', '--output', out], { cwd: repoRoot, encoding: 'utf8', timeout: 110_000, env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' } });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/Synthesis finished with errors/);
    const templates = readdirSync(out).filter((file) => file.endsWith('.template.json')).sort();
    expect(templates).toEqual(['Prognos-dev-Api.template.json', 'Prognos-dev-Data.template.json', 'Prognos-dev-Monitoring.template.json', 'Prognos-dev-Pipeline.template.json']);
    // Every function's asset is a real bundle, not the placeholder of a bundling-skipped synth.
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as object;
    expect(JSON.stringify(manifest)).not.toContain('bundling skipped');
    const assets = readdirSync(out).filter((name) => name.startsWith('asset.'));
    const bundles = assets.filter((name) => existsSync(join(out, name, 'index.mjs')));
    expect(bundles.length).toBeGreaterThanOrEqual(17);
  });
});
