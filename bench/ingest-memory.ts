/**
 * `npm run bench:ingest`: peak memory of ValidateAndIngest on a large landing file. Generates an
 * AI4I-like CSV of 1,000,000 rows (about 53 MB) into a temporary landing zone, ingests it in a
 * child process (so the generator's memory does not count) and prints the child's peak RSS and
 * the time. The target is at most 400 MB (issue 10), whatever the file's size.
 *
 *   npm run bench:ingest [-- <rows>]
 */
import { spawnSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FsObjectStore } from '../lambdas/adapters/local/fs-object-store.ts';
import { DEFAULT_CONTRACT } from '../lambdas/core/contract/contract.ts';
import { AI4I_SOURCE_COLUMNS, makeAi4iReadings, toAi4iSourceRecords } from '../lambdas/cli/sample-data/ai4i.ts';
import { writeCsv } from '../lambdas/core/data/csv.ts';
import { validateAndIngest } from '../lambdas/core/steps/ingest.ts';
import { LANDING_TRAINING_PREFIX } from '../lambdas/core/storage-keys.ts';

const KEY = `${LANDING_TRAINING_PREFIX}readings.csv`;
/** Rows generated at a time, so the parent stays small too. */
const GENERATE_CHUNK = 100_000;

interface ChildReport {
  readonly rowsValid: number;
  readonly rowsQuarantined: number;
  readonly parts: number;
  readonly seconds: number;
  readonly peakRssMb: number;
}

/** In the child: one ingest, then its peak RSS (getrusage's maxrss) and the time. */
async function child(home: string): Promise<void> {
  const started = performance.now();
  const result = await validateAndIngest(
    { key: KEY, runName: 'bench-ingest' },
    {
      store: new FsObjectStore(home),
      queries: { query: () => Promise.reject(new Error('ingest runs no query')), close: async () => undefined },
      contract: DEFAULT_CONTRACT,
      now: () => new Date(),
      progress: () => undefined,
    },
  );
  const report: ChildReport = {
    rowsValid: result.rowsValid,
    rowsQuarantined: result.rowsQuarantined,
    parts: result.featureKeys.length,
    seconds: (performance.now() - started) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(report));
}

async function main(rows: number): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'prognos-bench-ingest-'));
  try {
    const dir = join(home, ...LANDING_TRAINING_PREFIX.split('/'));
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'readings.csv');
    for (let first = 0; first < rows; first += GENERATE_CHUNK) {
      const n = Math.min(GENERATE_CHUNK, rows - first);
      const text = writeCsv(toAi4iSourceRecords(makeAi4iReadings(n, { seed: 1 + first / GENERATE_CHUNK }), 1 + first), AI4I_SOURCE_COLUMNS);
      await appendFile(file, first === 0 ? text : text.slice(text.indexOf('\n') + 1));
    }
    const bytes = (await stat(file)).size;
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const self = fileURLToPath(import.meta.url);
    const run = spawnSync(process.execPath, ['--import', tsx, self, '--child', home], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (run.status !== 0) throw new Error(`the ingest child failed (${run.status}): ${run.stderr}`);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as ChildReport;
    console.log('| rows | file MB | rows valid | parts | ingest s | peak RSS MB |');
    console.log('|---|---|---|---|---|---|');
    console.log(`| ${rows} | ${(bytes / 1e6).toFixed(1)} | ${report.rowsValid} | ${report.parts} | ${report.seconds.toFixed(1)} | ${report.peakRssMb.toFixed(0)} |`);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(args[1]!);
else await main(Number(args[0] ?? 1_000_000));
