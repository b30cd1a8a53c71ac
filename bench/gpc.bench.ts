/**
 * `npm run bench`: Prognos's Gaussian process classifier against scikit-learn's, data set by data
 * set, each in its own child process (bench/run-one.ts) so peak memory is per data set.
 *
 *   npm run bench                                   # the reference data sets in ../shared
 *   npm run bench -- --only moons_1000,ai4i2020 --json out.json --markdown out.md
 *   npm run bench -- --data my.csv --label failed --features a,b --gpc-json '{"restarts":2}'
 *   npm run bench -- --generated moons:2000:seed=1..3:noise=0.2,0.3 ai4i:2000:seed=1,2
 *
 * --generated writes fresh data sets (bench/generated.ts) under bench/out/generated/ and fits
 * scikit-learn on each right after Prognos (bench/sklearn-peer.ts), so every ratio compares two
 * runs on the same rows minutes apart; the report adds the spread per family and size.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { GpcOptions } from '../lambdas/core/ml/gpc.ts';
import { DEFAULT_GPC_OPTIONS } from '../lambdas/core/ml/maintenance-model.ts';
import { loadBaseline } from './baseline.ts';
import { sourceFingerprint } from './fingerprint.ts';
import { type BaselineLookup } from './baseline.ts';
import { customDataset, type DatasetSpec, defaultDatasets, findSharedDir, repoRoot, sharedDirCandidate } from './datasets.ts';
import { parseGenerated, writeGenerated } from './generated.ts';
import { runSklearn, sklearnUnavailable } from './sklearn-peer.ts';
import type { BenchJob } from './protocol.ts';
import { type BenchRecord, isMeasured, toRecord } from './records.ts';
import { markdownReport, textReport } from './report.ts';
import { runJob } from './runner.ts';

/** Parsed command-line options. */
interface CliOptions {
  readonly data?: string;
  readonly label: string;
  readonly features?: string[];
  readonly generated?: string[];
  readonly sklearn: boolean;
  readonly threads?: number;
  readonly only?: string[];
  readonly json?: string;
  readonly markdown?: string;
  /** undefined: each data set's default; 0: no cap. */
  readonly maxTrain?: number;
  readonly gpcJson: Omit<GpcOptions, 'onProgress'>;
  readonly timeout: number;
}

try {
  await main(process.argv);
} catch (error) {
  // Bad input (unknown --only name, unreadable file …): a message, not a stack trace.
  log(`bench: ${(error as Error).message}`);
  process.exitCode = 2;
}

async function main(argv: string[]): Promise<void> {
  const options = parseCli(argv);
  const sharedDir = findSharedDir();
  const specs = selectDatasets(options, sharedDir);
  if (specs.length === 0) return;

  const jobs = specs.map((spec) => toJob(spec, options));
  log(`benchmarking ${jobs.length} data set(s): ${jobs.map((j) => j.name).join(', ')}; GPC options ${JSON.stringify(effectiveGpcOptions(options))}`);
  const reference = loadBaseline(sharedDir);
  const live = new Map<string, NonNullable<ReturnType<BaselineLookup>>>();
  const baseline: BaselineLookup = (name) => live.get(name) ?? reference(name);
  const liveSklearn = options.generated !== undefined && options.sklearn;
  const unavailable = liveSklearn ? sklearnUnavailable() : undefined;
  if (unavailable) log(`scikit-learn will not run: ${unavailable}`);
  const records: BenchRecord[] = [];
  for (const job of jobs) {
    const fingerprint = sourceFingerprint();
    const outcome = await runOne(job, options.timeout);
    if (liveSklearn && !unavailable) {
      try {
        const sk = await runSklearn(job.file, job.label, options.threads, options.timeout);
        live.set(job.name, sk);
        log(`[${job.name}] scikit-learn: fit ${sk.fit_s!.toFixed(2)} s wall, ${sk.fit_cpu_s!.toFixed(2)} s CPU, LML ${sk.lml_opt!.toFixed(2)}`);
      } catch (error) {
        log(`[${job.name}] ${(error as Error).message}`);
      }
    }
    records.push(toRecord(job.name, outcome, baseline, fingerprint));
  }

  process.stdout.write('\n' + textReport(records));
  writeOutputs(records, options, argv);
  if (!records.every(isMeasured)) process.exitCode = 1;
}

function parseCli(argv: string[]): CliOptions {
  const program = new Command()
    .name('npm run bench --')
    .description('Benchmark the Prognos GPC against the scikit-learn baseline, one child process per data set.')
    .option('--data <file>', 'benchmark this CSV instead of the reference data sets')
    .option('--label <column>', 'label column of --data (0/1)', 'label')
    .option('--features <names>', 'comma-separated feature columns of --data (default: all but the label)', list)
    .option('--generated <specs...>', 'benchmark freshly generated data sets instead, e.g. moons:2000:seed=1..3:noise=0.2,0.3 ai4i:4000:seed=1,2 (rows = all rows; 70 % train), each against scikit-learn run right after it', (value: string, previous: string[] = []) => [...previous, value])
    .option('--no-sklearn', 'with --generated: do not run scikit-learn')
    .option('--threads <n>', 'threads for both Prognos (PROGNOS_THREADS) and scikit-learn (OPENBLAS_NUM_THREADS); default every core', positiveInteger)
    .option('--only <names>', 'comma-separated data set names to run (e.g. moons_1000,ai4i2020)', list)
    .option('--json <file>', 'write the results as a JSON list')
    .option('--markdown <file>', 'write the results as Markdown (for docs/benchmarks.md)')
    .option('--max-train <n>', 'train on a stratified subsample of at most n training rows; 0 = all rows (default: 2800 for ai4i2020, all rows elsewhere)', nonNegativeInteger)
    .option('--gpc-json <json>', 'GpcOptions as JSON, merged over MaintenanceModel\'s DEFAULT_GPC_OPTIONS, e.g. \'{"subsampleSize":0,"restarts":4}\'', gpcOptions, {})
    .option('--timeout <seconds>', 'stop a data set after this many seconds; 0 = never', nonNegativeInteger, 0)
    .showHelpAfterError()
    .parse(argv);
  return program.opts<CliOptions>();
}

/** The data sets to run; empty (with a message) when there is nothing to run. */
function selectDatasets(options: CliOptions, sharedDir: string | undefined): DatasetSpec[] {
  if (options.generated) {
    if (options.data) throw new Error('--generated and --data exclude each other');
    const sets = options.generated.flatMap(parseGenerated);
    return filterOnly(sets.map((set) => writeGenerated(set, join(repoRoot, 'bench', 'out', 'generated'))), options.only);
  }
  if (options.data && !existsSync(options.data)) throw new Error(`--data: ${options.data} not found`);
  if (options.data) return filterOnly([customDataset(options.data, options.label, options.features)], options.only);
  if (!sharedDir) {
    log(`shared reference folder not found at ${sharedDirCandidate()} (set PROGNOS_SHARED_DIR): nothing to benchmark.`);
    log('Use --data FILE --label COLUMN to benchmark a CSV of your own.');
    return [];
  }
  const { specs, skipped } = defaultDatasets(sharedDir);
  for (const file of skipped) log(`skipping ${file}: not found`);
  return filterOnly(specs, options.only);
}

function filterOnly(specs: DatasetSpec[], only: readonly string[] | undefined): DatasetSpec[] {
  if (!only) return specs;
  const unknown = only.filter((name) => !specs.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(`--only: unknown data set(s) ${unknown.join(', ')}; available: ${specs.map((s) => s.name).join(', ')}`);
  }
  return specs.filter((s) => only.includes(s.name));
}

function toJob(spec: DatasetSpec, options: CliOptions): BenchJob {
  const cap = options.maxTrain ?? spec.defaultMaxTrain;
  return { name: spec.name, file: spec.file, label: spec.label, features: spec.features, maxTrain: cap ? cap : undefined, threads: options.threads, gpc: options.gpcJson };
}

/** Runs one child and logs how it went and how long it took. */
async function runOne(job: BenchJob, timeout: number): Promise<Awaited<ReturnType<typeof runJob>>> {
  const cap = job.maxTrain === undefined ? '' : ` (training on a stratified subsample of at most ${job.maxTrain} rows of the training split)`;
  log(`[${job.name}] starting${cap}`);
  const outcome = await runJob(job, timeout);
  const status = outcome.result ? 'done' : `FAILED: ${outcome.error}`;
  log(`[${job.name}] ${status} in ${outcome.wallSeconds.toFixed(1)} s`);
  return outcome;
}

function writeOutputs(records: readonly BenchRecord[], options: CliOptions, argv: string[]): void {
  if (options.json) {
    writeFileSync(options.json, JSON.stringify(records, null, 2) + '\n');
    log(`wrote ${options.json}`);
  }
  if (options.markdown) {
    const context = { command: commandLine(argv), date: new Date(), gpcOptions: effectiveGpcOptions(options) };
    writeFileSync(options.markdown, markdownReport(records, context));
    log(`wrote ${options.markdown}`);
  }
}

/** The command as the user would type it again (npm sets npm_lifecycle_event for `npm run`). */
function commandLine(argv: string[]): string {
  const args = argv.slice(2).map(shellQuote).join(' ');
  const prefix = process.env.npm_lifecycle_event === 'bench' ? 'npm run bench --' : 'npx tsx bench/gpc.bench.ts';
  return args ? `${prefix} ${args}` : prefix.replace(/ --$/, '');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function list(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError('expected a comma-separated list of names');
  return names;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return n;
}

/** What the classifier is trained with: the model's defaults with --gpc-json over them (as MaintenanceModel.train merges them). */
function effectiveGpcOptions(options: CliOptions): Omit<GpcOptions, 'onProgress'> {
  return { ...DEFAULT_GPC_OPTIONS, ...options.gpcJson };
}

/** Parses --gpc-json; only a JSON object is accepted (the classifier validates the fields). */
function gpcOptions(value: string): Omit<GpcOptions, 'onProgress'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('expected a JSON object of GpcOptions');
  }
  return parsed as Omit<GpcOptions, 'onProgress'>;
}

function log(message: string): void {
  process.stderr.write(message + '\n');
}
