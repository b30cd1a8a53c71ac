/**
 * `npm run bench:serve`: the prediction API as a user meets it. Builds a champion the way
 * `prognos demo` does (2,000 generated readings → ~1,400 training rows, the full training
 * workflow) in a temporary home, starts `prognos serve` as a child process, and measures
 *
 *   - cold start: spawn → first 200 answer to POST /predict (module loading, model loading),
 *   - batch 1 at a fixed 200 requests/s (autocannon `overallRate`), from 1 connection and from 10:
 *     latency under a steady load, alone and queued behind other clients,
 *   - batch 100 at the highest rate the server sustains: throughput of instances.
 *
 * Flags: --duration <s> (10 per scenario), --rate <req/s> (200), --connections <n> (10, for the
 * second batch-1 scenario), --batch <n> (100), --batch-connections <n> (2: one request scoring,
 * one waiting — the server scores on one thread, so more connections only add queueing),
 * --rows <n> (2000 readings to train on), --keep (keep the temporary home).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { FsObjectStore } from '../lambdas/adapters/local/fs-object-store.ts';
import { DEFAULT_CONTRACT } from '../lambdas/core/contract/contract.ts';
import { makeAi4iReadings, toAi4iSourceRecords } from '../lambdas/cli/sample-data/ai4i.ts';
import { isGpManifest } from '../lambdas/core/ml/artifact.ts';
import { readChampion } from '../lambdas/core/registry/champion.ts';
import { loadManifest } from '../lambdas/core/registry/model-store.ts';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rate: { type: 'string', default: '200' },
    connections: { type: 'string', default: '10' },
    rows: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '100' },
    'batch-connections': { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});
const positive = (name: keyof typeof flags): number => {
  const value = Number(flags[name]);
  if (!(Number.isInteger(value) && value > 0)) throw new RangeError(`--${name} must be a positive integer, got ${String(flags[name])}`);
  return value;
};
const duration = positive('duration');
const rate = positive('rate');
const connections = positive('connections');
const rows = positive('rows');
const batch = positive('batch');
const batchConnections = positive('batch-connections');

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const bin = join(repoRoot, 'bin', 'prognos.ts');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Readings the champion has not seen, as API instances (contract names, published rounding). */
function instances(n: number): Record<string, unknown>[] {
  return toAi4iSourceRecords(makeAi4iReadings(n, { seed: 2024 })).map((record) =>
    Object.fromEntries(DEFAULT_CONTRACT.features.map((f) => [f.name, record[f.source as keyof typeof record]])),
  );
}

const body = (n: number): string => JSON.stringify({ instances: instances(n) });

/** Resolves with the server's URL once it prints it; counts the log lines it writes meanwhile. */
function startServe(home: string): { child: ChildProcess; url: Promise<string>; logLines: () => number; modelLoadMs: () => string } {
  const child = spawn(process.execPath, ['--import', tsxLoader, bin, 'serve', '--port', '0', '--home', home], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  let modelLoadMs = '?';
  const tail: string[] = [];
  // The server logs every request: stderr must be read, or a full pipe would stall it.
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      lines++;
      modelLoadMs = /^serving champion .* loaded in (\d+) ms$/.exec(line)?.[1] ?? modelLoadMs;
      tail.push(line);
      if (tail.length > 5) tail.shift();
    }
  });
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const found = /http:\/\/\S+/.exec(out);
      if (found) resolve(found[0]);
    });
    child.once('exit', (code) => reject(new Error(`prognos serve exited (${code}) before listening: ${tail.join(' | ')}`)));
  });
  return { child, url, logLines: () => lines, modelLoadMs: () => modelLoadMs };
}

async function firstOk(url: string, payload: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
    await response.arrayBuffer();
    if (response.status === 200) return;
    if (response.status !== 503) throw new Error(`cold start: POST /predict answered ${response.status}`);
  }
}

interface Scenario {
  readonly name: string;
  readonly instancesPerRequest: number;
  readonly connections: number;
  readonly overallRate?: number;
}

function run(url: string, scenario: Scenario, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/predict`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body(scenario.instancesPerRequest),
    connections: scenario.connections,
    duration: seconds,
    ...(scenario.overallRate === undefined ? {} : { overallRate: scenario.overallRate }),
  });
}

function table(header: readonly string[], lines: readonly (readonly string[])[]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...lines.map((line) => line[j].length)));
  const format = (cells: readonly string[]) => cells.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

const home = await mkdtemp(join(tmpdir(), 'prognos-bench-serve-'));
let server: ReturnType<typeof startServe> | undefined;
try {
  const cpu = cpus();
  console.log(`Node ${process.version}, ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  console.log(`building the champion: prognos demo --rows ${rows} (the full training workflow) in ${home} …`);
  const trainStart = performance.now();
  const demo = spawnSync(process.execPath, ['--import', tsxLoader, bin, 'demo', '--rows', String(rows), '--home', home], { cwd: repoRoot, encoding: 'utf8' });
  if (demo.status !== 0) throw new Error(`prognos demo failed (${demo.status}):\n${demo.stderr}`);
  const store = new FsObjectStore(home);
  const champion = await readChampion(store);
  if (champion === undefined) throw new Error(`prognos demo promoted no champion:\n${demo.stderr}`);
  const manifest = await loadManifest(store, champion.pointer.version);
  console.log(`champion ${champion.pointer.version}: ${manifest.nTrain} training rows, ${isGpManifest(manifest) ? manifest.fitSummary.kernel : manifest.kind}, built in ${((performance.now() - trainStart) / 1000).toFixed(1)} s`);

  const spawnedAt = performance.now();
  server = startServe(home);
  const url = await server.url;
  const listening = performance.now() - spawnedAt;
  await firstOk(url, body(1));
  const coldStart = performance.now() - spawnedAt;

  // A short unreported run, so every scenario meets a warmed-up (JIT-compiled) server.
  await run(url, { name: 'warm-up', instancesPerRequest: 1, connections }, 2);
  // Printed after the warm-up: the server's "loaded in" line may reach us after its first answer.
  console.log(`cold start: listening after ${listening.toFixed(0)} ms (Node, tsx and the CLI's modules), model loaded in ${server.modelLoadMs()} ms, first 200 after ${coldStart.toFixed(0)} ms`);

  // autocannon's rate sends each second's quota as fast as its connections allow, then waits: with
  // one connection the latency is the service time; with several it includes their queueing.
  const scenarios: Scenario[] = [
    { name: `batch 1 @ ${rate} req/s`, instancesPerRequest: 1, connections: 1, overallRate: rate },
    { name: `batch 1 @ ${rate} req/s`, instancesPerRequest: 1, connections, overallRate: rate },
    { name: `batch ${batch} @ max`, instancesPerRequest: batch, connections: batchConnections },
  ];
  const lines: string[][] = [];
  for (const scenario of scenarios) {
    const result = await run(url, scenario, duration);
    const perSecond = result.requests.total / result.duration;
    lines.push([
      scenario.name,
      String(scenario.connections),
      perSecond.toFixed(1),
      (perSecond * scenario.instancesPerRequest).toFixed(0),
      result.latency.p50.toFixed(1),
      result.latency.p99.toFixed(1),
      result.latency.max.toFixed(1),
      String(result['2xx']),
      String(result.non2xx),
      String(result.errors),
      String(result.timeouts),
    ]);
  }
  console.log(`\n${duration} s per scenario (load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}):\n`);
  console.log(table(['scenario', 'conns', 'req/s', 'instances/s', 'p50 ms', 'p99 ms', 'max ms', '2xx', 'non-2xx', 'errors', 'timeouts'], lines));

  const stopping = performance.now();
  const exited = new Promise<number | null>((resolve) => server!.child.once('exit', (code) => resolve(code)));
  server.child.kill('SIGTERM');
  const code = await exited;
  console.log(`\nSIGTERM → exit ${code} in ${(performance.now() - stopping).toFixed(0)} ms; the server logged ${server.logLines()} lines (one per request, and a few at start and stop)`);
  server = undefined;
} finally {
  if (server !== undefined && server.child.exitCode === null) server.child.kill('SIGKILL');
  if (flags.keep) console.log(`kept ${home}`);
  else await rm(home, { recursive: true, force: true });
}
