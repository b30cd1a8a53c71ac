/**
 * `npm run bench:pipeline`: the whole local training workflow on a real file, as a user runs it
 * (`prognos ingest FILE && prognos run`), on a fresh home, each command in its own process. Prints
 * the run's holdout metrics, Train's share of the time, and each command's wall time and peak RSS.
 *
 *   npm run bench:pipeline                                   # ../shared/datasets/ai4i2020.csv
 *   npm run bench:pipeline -- --data my.csv --config '{"model":"exact"}' --repeat 2 --json out.json
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const rssProbe = fileURLToPath(new URL('./tools/peak-rss.mjs', import.meta.url));

interface CommandCost {
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly exitCode: number;
}

type Candidate =
  | { status: 'trained'; kind: string; fitSeconds: number; holdout: NonNullable<PipelineMeasurement['holdout']> & { version: string } }
  | { status: 'failed'; kind: string; reason: string };

interface PipelineMeasurement {
  readonly data: string;
  readonly config: Record<string, unknown>;
  readonly ingest: CommandCost;
  readonly run: CommandCost;
  readonly status: string;
  readonly trainSeconds?: number;
  readonly stateSeconds: Record<string, number>;
  readonly trainingSet?: unknown;
  readonly split?: unknown;
  readonly train?: unknown;
  readonly holdout?: { recall: number; precision: number; averagePrecision: number; rocAuc: number; threshold: number };
  /** Every model of the run on the holdout (Evaluate's `candidates`), and the gate rule's pick. */
  readonly candidates?: readonly Candidate[];
  readonly failure?: string;
}

function parseJsonOption(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new InvalidArgumentError(`--config needs a JSON object: ${(error as Error).message}`);
  }
}

/** Runs the CLI in a child process with the peak-RSS probe preloaded. */
function prognos(args: string[], probeFile: string): CommandCost {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--import', rssProbe, join(repoRoot, 'bin/prognos.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, PROGNOS_PEAK_RSS_FILE: probeFile },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = existsSync(probeFile) ? Number(readFileSync(probeFile, 'utf8')) / 1024 : Number.NaN;
  return { seconds, peakRssMb, exitCode: child.status ?? 1 };
}

function measure(data: string, config: Record<string, unknown>): PipelineMeasurement {
  const home = mkdtempSync(join(tmpdir(), 'prognos-bench-'));
  try {
    const configFile = join(home, 'config.json');
    writeFileSync(configFile, JSON.stringify(config));
    const ingest = prognos(['ingest', data, '--home', home], join(home, 'ingest.rss'));
    const run = prognos(['run', '--home', home, '--config', configFile, '--mode', 'full'], join(home, 'run.rss'));
    const records = readdirSync(join(home, 'runs')).filter((f) => f.endsWith('.json'));
    const record = JSON.parse(readFileSync(join(home, 'runs', records[0]!), 'utf8')) as {
      status: string;
      output?: Record<string, unknown> & { evaluation?: { challenger?: PipelineMeasurement['holdout']; candidates?: Candidate[] } };
      error?: unknown;
      states: Array<{ name: string; durationMs?: number }>;
    };
    const stateSeconds: Record<string, number> = {};
    for (const s of record.states) stateSeconds[s.name] = (stateSeconds[s.name] ?? 0) + (s.durationMs ?? 0) / 1000;
    const output = record.output ?? {};
    return {
      data,
      config,
      ingest,
      run,
      status: record.status,
      trainSeconds: stateSeconds.Train,
      stateSeconds,
      trainingSet: output.trainingSet,
      split: output.split,
      train: output.train,
      holdout: output.evaluation?.challenger,
      ...(output.evaluation?.candidates ? { candidates: output.evaluation.candidates } : {}),
      failure: record.status === 'SUCCEEDED' ? undefined : JSON.stringify(record.error ?? output),
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const fixed = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

function line(m: PipelineMeasurement): string {
  const h = m.holdout;
  return [
    m.status,
    `train ${fixed(m.trainSeconds, 1)} s`,
    `run ${fixed(m.run.seconds, 1)} s / ${fixed(m.run.peakRssMb, 0)} MB`,
    `ingest ${fixed(m.ingest.seconds, 1)} s / ${fixed(m.ingest.peakRssMb, 0)} MB`,
    h ? `AUC ${fixed(h.rocAuc)} AP ${fixed(h.averagePrecision)} recall ${fixed(h.recall)} precision ${fixed(h.precision)} threshold ${fixed(h.threshold, 4)}` : (m.failure ?? ''),
  ].join('  ');
}

const program = new Command('bench:pipeline')
  .option('--data <file>', 'CSV in the contract\'s format', resolve(repoRoot, '..', 'shared', 'datasets', 'ai4i2020.csv'))
  .option('--config <json>', 'run config (as for prognos run --config)', parseJsonOption, {})
  .option('--repeat <n>', 'fresh-home repetitions', (v) => Number.parseInt(v, 10), 1)
  .option('--json <file>', 'write every measurement as JSON')
  .action((o: { data: string; config: Record<string, unknown>; repeat: number; json?: string }) => {
    const data = resolve(o.data);
    if (!existsSync(data)) throw new InvalidArgumentError(`no such file: ${data}`);
    const all: PipelineMeasurement[] = [];
    for (let i = 0; i < o.repeat; i++) {
      const m = measure(data, o.config);
      all.push(m);
      process.stdout.write(`bench:pipeline ${i + 1}/${o.repeat}: ${line(m)}\n`);
      process.stdout.write(`  states: ${Object.entries(m.stateSeconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}\n`);
      process.stdout.write(`  split: ${JSON.stringify(m.split)}\n  train: ${JSON.stringify(m.train)}\n`);
      for (const c of m.candidates ?? []) {
        const h = c.status === 'trained' ? c.holdout : undefined;
        process.stdout.write(
          `  model ${c.kind}: ${c.status === 'trained' && h ? `fit ${fixed(c.fitSeconds, 2)} s  AUC ${fixed(h.rocAuc)} AP ${fixed(h.averagePrecision)} recall ${fixed(h.recall)} precision ${fixed(h.precision)} threshold ${fixed(h.threshold, 4)}` : `failed: ${c.status === 'failed' ? c.reason : ''}`}\n`,
        );
      }
    }
    if (o.json) writeFileSync(o.json, `${JSON.stringify(all, null, 2)}\n`);
    if (all.some((m) => m.status !== 'SUCCEEDED')) process.exitCode = 1;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`bench:pipeline: ${(error as Error).message}\n`);
  process.exitCode = 2;
}
