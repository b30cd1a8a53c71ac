import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { breakIfStale, isStaleLock, lockOwnerGone } from '../adapters/local/file-lock.ts';
import { processRuns, unlinkIfPresent } from '../adapters/local/fs-helpers.ts';
import { abortStaleRecord, isStaleRunRecord, listRunRecords, readRunRecord, type RunRecord, writeRunRecord } from '../adapters/local/state-machine-runner.ts';
import { acquireFileLock } from '../adapters/local/file-lock.ts';
import { REDRIVE_LOCK_PREFIX, runRecordPath } from '../adapters/local/run-record.ts';
import type { DataContract } from '../core/contract/contract.ts';
import { readChampion, repairChampionFromHistory } from '../core/registry/champion.ts';
import { lastRecordedChampion } from '../core/registry/champion-history.ts';
import { loadModel } from '../core/registry/model-store.ts';
import { isVersion } from '../core/registry/version.ts';
import { CliError } from './errors.ts';
import { displayPath } from './format.ts';
import type { CliIo } from './io.ts';
import { retryCommand } from './run.ts';
import { openWorkspace, type Workspace } from './workspace.ts';
import { CHAMPION_HISTORY_PREFIX, CHAMPION_KEY, MODELS_PREFIX, TRAINING_SETS_PREFIX, trainingSetPrefix } from '../core/storage-keys.ts';

/**
 * `prognos doctor`: checks the local store (the home folder) and says what it finds; `--repair`
 * fixes what is safe to fix and says what it did. The exit code says whether problems remain.
 *
 * Found, and repaired when safe:
 * - temporary files a killed writer left (`.prognos~tmp~<pid>~…`, `<run>.json.<pid>.….tmp`):
 *   removed once their writer's process is gone;
 * - stale locks (`.prognos~lock~…`): removed, with the same care the store takes over them;
 * - stale runs (RUNNING, their process gone): marked ABORTED, so `prognos runs retry` continues them;
 * - unreadable run records: moved to `runs/unreadable/`, which frees their name;
 * - orphans: training sets (`lake/training-sets/<run>/`) of no recorded run, and model folders no
 *   run record, champion pointer or registry file mentions: removed — never while a run is
 *   running (it may be writing one), and never a version that is or was champion.
 * A champion pointer that does not parse is put back to the last recorded champion when there is a
 * champion history and that model loads (the registry's `repairChampionFromHistory`).
 * Found and only reported: model artifacts whose checksums do not verify, an unparsable pointer
 * with no history, and a pointer to no loadable model (`prognos rollback` is the repair).
 */

export interface DoctorOptions {
  readonly home: string;
  readonly contract: DataContract;
  readonly repair?: boolean;
}

/** One problem: where, what, and the repair when there is a safe one. */
export interface Finding {
  readonly kind:
    | 'temporary-file'
    | 'stale-lock'
    | 'stale-run'
    | 'unreadable-run'
    | 'orphan-training-set'
    | 'orphan-model'
    | 'corrupt-model'
    | 'champion';
  /** A path relative to the home folder. */
  readonly where: string;
  readonly problem: string;
  /** Performs the repair and returns what it did; absent when only a person can fix it. */
  readonly repair?: () => Promise<string>;
}

export interface DoctorReport {
  readonly findings: readonly Finding[];
  /** What --repair did, one line per repair. */
  readonly repaired: readonly string[];
  /** Findings left: not repairable, not repaired (no --repair), or whose repair failed. */
  readonly remaining: readonly Finding[];
}

/** `.prognos~tmp~<pid>~<hex>`: the store's temporary file; `<name>.json.<pid>.<hex>.tmp`: a run record's. */
const STORE_TEMP = /^\.prognos~tmp~(\d+)~[0-9a-f]+$/;
const RECORD_TEMP = /^.+\.json\.(\d+)\.[0-9a-f]+\.tmp$/;
const LOCK = /^\.prognos~lock~/;
/** A temporary file this old is left over even if its pid runs again (pids are reused). */
const TEMP_MAX_AGE_MS = 60 * 60_000;

/**
 * Every problem in the store. Runs live while the doctor looks are respected: their temporary
 * files are in use, and no orphan is removed while one runs.
 */
export async function examine(workspace: Workspace): Promise<Finding[]> {
  const home = workspace.home;
  const findings: Finding[] = [];
  const files = await walk(home);
  const rel = (path: string): string => relative(home, path).split(sep).join('/');

  for (const path of files) {
    const name = basename(path);
    const temp = STORE_TEMP.exec(name) ?? RECORD_TEMP.exec(name);
    if (temp !== null) {
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) continue;
      const writerGone = !processRuns(Number(temp[1])) || Date.now() - info.mtimeMs > TEMP_MAX_AGE_MS;
      if (!writerGone) continue; // a write in progress
      findings.push({
        kind: 'temporary-file',
        where: rel(path),
        problem: `temporary file of a write that never finished (process ${temp[1]} is gone)`,
        repair: async () => {
          await unlinkIfPresent(path);
          return `removed the temporary file ${rel(path)}`;
        },
      });
    } else if (LOCK.test(name)) {
      const breaker = name.endsWith('~break');
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) continue;
      const ownerGone = !breaker && (await lockOwnerGone(path));
      const stale = breaker ? Date.now() - info.mtimeMs > 10_000 : ownerGone || (await isStaleLock(path));
      if (!stale) continue;
      findings.push({
        kind: 'stale-lock',
        where: rel(path),
        problem: 'lock left by a process that ended while holding it',
        repair: async () => {
          if (breaker) await unlinkIfPresent(path);
          // An owner known to be gone makes the lock stale at any age.
          else if (!(await breakIfStale(path, ownerGone ? 0 : undefined))) return `left the lock ${rel(path)}: it is held again`;
          return `removed the stale lock ${rel(path)}`;
        },
      });
    }
  }

  const { records, unreadable } = await listRunRecords(workspace.runsDir);
  for (const file of unreadable) {
    findings.push({
      kind: 'unreadable-run',
      where: rel(file.file),
      problem: `run record is unreadable (${file.reason})`,
      repair: async () => {
        const folder = join(workspace.runsDir, 'unreadable');
        await mkdir(folder, { recursive: true });
        const target = join(folder, `${basename(file.file)}.${Date.now()}`);
        await rename(file.file, target);
        return `moved the unreadable run record ${rel(file.file)} to ${rel(target)}; the same files can start that run afresh`;
      },
    });
  }
  for (const record of records.filter((r) => isStaleRunRecord(r))) {
    findings.push({
      kind: 'stale-run',
      where: rel(runRecordPath(workspace.runsDir, record.name)),
      problem: `run ${record.name} is recorded as running, but its process (pid ${record.runner.pid} on ${record.runner.hostname}) is gone`,
      repair: () => abortStale(workspace, record.name),
    });
  }

  findings.push(...(await championFindings(workspace)));
  findings.push(...(await modelFindings(workspace, records, files)));
  return findings;
}

/** Marks a stale run ABORTED under the redrive lock, so a retry starting meanwhile is not overwritten. */
async function abortStale(workspace: Workspace, name: string): Promise<string> {
  const release = await acquireFileLock(join(workspace.runsDir, `${REDRIVE_LOCK_PREFIX}${name}`));
  try {
    const record = await readRunRecord(workspace.runsDir, name);
    if (record === undefined || !isStaleRunRecord(record)) return `left run ${name}: it is no longer stale`;
    await writeRunRecord(runRecordPath(workspace.runsDir, name), abortStaleRecord(record, new Date()));
    const last = record.states.at(-1);
    return `marked run ${name} aborted${last ? ` (last recorded state: ${last.name})` : ''}; continue it with '${retryCommand(name)}'`;
  } finally {
    await release();
  }
}

/** The champion pointer parses and points to a model that loads and verifies. */
async function championFindings(workspace: Workspace): Promise<Finding[]> {
  let champion;
  try {
    champion = await readChampion(workspace.store);
  } catch (error) {
    const problem = (error as Error).message.split('\n')[0];
    // With a champion history the pointer can be put back as it was last recorded (the registry's own safe repair).
    const last = await lastRecordedChampion(workspace.store);
    if (last === undefined) return [{ kind: 'champion', where: CHAMPION_KEY, problem: `${problem}; restore a champion with 'npx prognos rollback'` }];
    return [
      {
        kind: 'champion',
        where: CHAMPION_KEY,
        problem: `${problem}; the last recorded champion is ${last.version}`,
        repair: async () => {
          const repair = await repairChampionFromHistory(workspace.store);
          if (!repair.repaired) throw new Error(repair.reason);
          return repair.action;
        },
      },
    ];
  }
  if (champion === undefined) return [];
  try {
    await loadModel(workspace.store, champion.pointer.version);
    return [];
  } catch (error) {
    return [
      {
        kind: 'champion',
        where: CHAMPION_KEY,
        problem: `the champion ${champion.pointer.version} does not load (${(error as Error).message.split('\n')[0]}); roll back with 'npx prognos rollback'`,
      },
    ];
  }
}

/** Versions every champion pointer, registry file at the top of `models/` and champion-history entry mentions: they are or were champion. */
async function protectedVersions(workspace: Workspace, versions: readonly string[]): Promise<Set<string>> {
  const texts: string[] = [];
  for (const object of await workspace.store.list(MODELS_PREFIX)) {
    if (object.key.slice(MODELS_PREFIX.length).includes('/') && !object.key.startsWith(CHAMPION_HISTORY_PREFIX)) continue;
    texts.push(new TextDecoder().decode((await workspace.store.get(object.key)).body));
  }
  return new Set(versions.filter((version) => texts.some((text) => text.includes(version))));
}

/** Corrupt artifacts, and orphan model folders and training sets. */
async function modelFindings(workspace: Workspace, records: readonly RunRecord[], files: readonly string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  const home = workspace.home;
  const modelsDir = join(home, ...MODELS_PREFIX.split('/').filter(Boolean));
  // Only folders named like a version are models (champion-history/ is the registry's own).
  const versions = (await folders(modelsDir)).filter(isVersion);
  const keep = await protectedVersions(workspace, versions);
  // Every record, superseded and unreadable ones included, as text: a version or run it names is not an orphan.
  const recordTexts = await Promise.all(
    files.filter((path) => path.startsWith(workspace.runsDir + sep) && path.endsWith('.json')).map((path) => readFile(path, 'utf8').catch(() => '')),
  );
  const mentioned = (text: string): boolean => recordTexts.some((record) => record.includes(text));
  const running = records.find((record) => record.status === 'RUNNING' && !isStaleRunRecord(record));

  for (const version of versions) {
    const folder = join(modelsDir, version);
    const hasManifest = files.some((path) => path === join(folder, 'model', 'manifest.json'));
    if (hasManifest) {
      try {
        await loadModel(workspace.store, version);
      } catch (error) {
        findings.push({ kind: 'corrupt-model', where: `${MODELS_PREFIX}${version}/`, problem: `artifact does not verify: ${(error as Error).message.split('\n')[0]}` });
        continue;
      }
    }
    if (keep.has(version) || mentioned(version)) continue;
    findings.push(orphan('orphan-model', folder, `${MODELS_PREFIX}${version}/`, hasManifest ? 'model no run, champion or registry file refers to' : 'incomplete model (no manifest) that no run refers to', running));
  }
  const setsDir = join(home, ...TRAINING_SETS_PREFIX.split('/').filter(Boolean));
  for (const run of await folders(setsDir)) {
    if (records.some((record) => record.name === run) || mentioned(`"${run}"`)) continue;
    findings.push(orphan('orphan-training-set', join(setsDir, run), trainingSetPrefix(run), `training set of run ${run}, which has no run record`, running));
  }
  return findings;
}

function orphan(kind: 'orphan-model' | 'orphan-training-set', folder: string, where: string, problem: string, running: RunRecord | undefined): Finding {
  return {
    kind,
    where,
    problem,
    repair: async () => {
      if (running !== undefined) return `left ${where}: run ${running.name} is running and may be writing it`;
      await rm(folder, { recursive: true, force: true });
      return `removed ${where}`;
    },
  };
}

async function folders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  } catch {
    return [];
  }
}

async function walk(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}

/** Runs the repairs of the findings that have one; a repair that fails leaves its finding. */
export async function repairAll(findings: readonly Finding[]): Promise<{ repaired: string[]; remaining: Finding[] }> {
  const repaired: string[] = [];
  const remaining: Finding[] = [];
  for (const finding of findings) {
    if (finding.repair === undefined) {
      remaining.push(finding);
      continue;
    }
    try {
      const what = await finding.repair();
      repaired.push(what);
      if (what.startsWith('left ')) remaining.push(finding);
    } catch (error) {
      repaired.push(`could not repair ${finding.where}: ${(error as Error).message}`);
      remaining.push(finding);
    }
  }
  return { repaired, remaining };
}

/**
 * `prognos doctor [--repair]`.
 * @throws CliError when problems remain (exit 1)
 */
export async function runDoctor(options: DoctorOptions, io: CliIo): Promise<DoctorReport> {
  const workspace = openWorkspace(options.home, options.contract);
  try {
    const findings = await examine(workspace);
    io.err(`checked ${displayPath(workspace.home)}\n`);
    for (const finding of findings) io.out(`${finding.repair ? 'repairable' : 'problem   '}  ${finding.kind.padEnd(19)}  ${finding.where}: ${finding.problem}\n`);
    let report: DoctorReport = { findings, repaired: [], remaining: findings };
    if (options.repair) {
      const { repaired, remaining } = await repairAll(findings);
      for (const line of repaired) io.out(`fixed       ${line}\n`);
      report = { findings, repaired, remaining };
    }
    if (findings.length === 0) io.out('the store is healthy: no problems found\n');
    if (report.remaining.length > 0) {
      const repairable = report.remaining.filter((f) => f.repair !== undefined).length;
      const hint = !options.repair && repairable > 0 ? `; 'npx prognos doctor --repair' fixes ${repairable} of them` : '';
      throw new CliError(`${report.remaining.length} problem(s) remain in the store${hint}`);
    }
    if (options.repair && findings.length > 0) io.out('every problem found is repaired\n');
    return report;
  } finally {
    await workspace.close();
  }
}
