/**
 * `npm run bundle:sizes`: bundles every Lambda of the CDK app exactly as `cdk synth` does (the
 * same lib/function-bundling.ts), prints their sizes, and fails when a bundle could not be built
 * or contains DuckDB or the CDK. Bundles go to a temporary folder (or `--out <dir>`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { appFunctions, bundleAppFunctions, type BundleSize } from '../lib/bundle-inventory.ts';

const outFlag = process.argv.indexOf('--out');
const keep = outFlag >= 0;
const outdir = keep ? resolve(process.argv[outFlag + 1] ?? 'bench/out/bundles') : mkdtempSync(join(tmpdir(), 'prognos-bundles-'));

const kb = (bytes: number) => (bytes === 0 ? '–' : `${(bytes / 1024).toFixed(0)} KB`);

function table(rows: BundleSize[]): string {
  const header = ['handler', 'index.mjs', 'source map', 'worker', 'zipped', 'inputs', 'esbuild'];
  const lines = rows.map((r) => r.error !== undefined ? [r.handler, 'FAILED', '', '', '', '', ''] : [r.handler, kb(r.bundle), kb(r.sourceMap), kb(r.worker), kb(r.zipped), String(r.inputs), `${r.milliseconds} ms`]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [format(header), `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`, ...lines.map(format)].join('\n');
}

let failed = false;
try {
  const functions = appFunctions();
  const sizes = bundleAppFunctions(outdir, functions);
  console.log(`Lambda bundles (esbuild, ESM, minified, node24, arm64 runtime; ${sizes.length} bundles for ${functions.reduce((n, f) => n + f.paths.length, 0)} functions)\n`);
  console.log(table(sizes));
  const total = sizes.reduce((n, s) => n + s.zipped, 0);
  console.log(`\nzipped total: ${kb(total)}; 'zipped' deflates every file of the bundle (the deployment zip is about that size).`);
  for (const s of sizes) {
    if (s.error !== undefined) {
      failed = true;
      console.error(`✗ ${s.handler}: ${s.error}`);
    }
    if (s.forbiddenText.length > 0) {
      failed = true;
      console.error(`✗ ${s.handler}: the bundle contains ${s.forbiddenText.join(', ')}`);
    }
  }
  if (keep) console.log(`\nbundles kept in ${outdir}`);
} catch (err) {
  failed = true;
  console.error(`✗ ${(err as Error).message}`);
} finally {
  if (!keep) rmSync(outdir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
