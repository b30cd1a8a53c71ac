/**
 * Writes sample reports from the test fixture to look at in a browser:
 *   npx tsx test/unit/report/write-sample.ts [outDir]   (default .scratch/, which git ignores)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport } from '../../../lambdas/core/report/model/render-report.ts';
import { type FixtureOptions, makeReportData } from './report-fixture.ts';

const outDir = process.argv[2] ?? '.scratch';
const samples: Record<string, FixtureOptions> = {
  'report-sample.html': { champion: true },
  'report-sample-first-model.html': { champion: false },
  'report-sample-refit.html': { champion: true, mode: 'refit' },
};

mkdirSync(outDir, { recursive: true });
for (const [file, options] of Object.entries(samples)) {
  const started = performance.now();
  const page = await renderReport(makeReportData(options));
  const ms = performance.now() - started;
  writeFileSync(join(outDir, file), page);
  console.log(`${join(outDir, file)}: ${Buffer.byteLength(page).toLocaleString('en-US')} bytes in ${ms.toFixed(0)} ms`);
}
