import type { Headline } from '../core/registry/decision-record.ts';
import { type ListedDecision, lineageOf, type VersionFolder } from './version-folder.ts';

/**
 * The rows of `prognos models`, built from what each version folder holds (pure, so each rule is
 * tested without a store). A run saves one version per model it trains (the GP and the two
 * challengers); the gate judges one of them and writes the run's decision record into that
 * version's folder. That record's table of candidates carries every sibling's holdout numbers, so
 * each version gets its average precision from its run's record, whichever folder holds it.
 */

/**
 * Where a version stands: `serving` (the champion), `superseded` (promoted and served, then
 * replaced: in the champion history or the pointer's rollback list), `rejected` (by the gate),
 * `candidate` (trained in a run whose gate judged a sibling version instead), `not-promoted` (the
 * gate passed it but it never served — its promotion lost a race or failed — or its run stopped
 * before the gate).
 */
export type ModelStatus = 'serving' | 'superseded' | 'rejected' | 'candidate' | 'not-promoted';

/** One version of `prognos models` (and of `--json`). */
export interface ModelListing {
  readonly version: string;
  /** From the manifest; null (like the other manifest fields) when the manifest is unreadable. */
  readonly createdAt: string | null;
  /** The run that made it; null for an artifact written before runs were recorded in it. */
  readonly runName: string | null;
  /** The training mode the model was made in (full, refit). */
  readonly mode: string | null;
  readonly kind: string | null;
  /** Rows it trained on. */
  readonly trainRows: number | null;
  /** Its numbers on the run's holdout, from the run's decision record; null when the run has none (or did not score it). */
  readonly holdout: Headline | null;
  /** True when the gate judged this version: the run's decision record is in its folder. */
  readonly gated: boolean;
  /** Whether the run's rule picked this version among the run's models; null when the run recorded no pick. */
  readonly picked: boolean | null;
  readonly status: ModelStatus;
  /** The gate's verdict on this version; null unless it was gated (or when its record is unreadable). */
  readonly decision: ListedDecision | null;
  /** Why `decision` is null although the record exists. */
  readonly decisionProblem: string | null;
  /** Why the manifest fields are null although the version exists. */
  readonly manifestProblem: string | null;
}

/** What the champion pointer and history say about serving. */
export interface ServedVersions {
  readonly champion: string | null;
  /** Every version that has served (the history and the pointer's rollback list). */
  readonly served: ReadonlySet<string>;
}

/** The decision records of each run, by run name: the record of the version the gate judged (the last, if a run has several). */
function runDecisions(folders: readonly VersionFolder[]): Map<string, ListedDecision> {
  const byRun = new Map<string, ListedDecision>();
  for (const folder of folders) {
    const decision = folder.decision.value;
    const runName = runNameOf(folder);
    if (decision !== null && runName !== null) byRun.set(runName, decision);
  }
  return byRun;
}

function runNameOf(folder: VersionFolder): string | null {
  const manifest = folder.manifest.value;
  return (manifest && lineageOf(manifest).runName) ?? folder.decision.value?.runName ?? null;
}

/** This version's holdout headline from its run's record: the judged version's own numbers, or its row among the candidates. */
function holdoutOf(version: string, decision: ListedDecision | undefined): Headline | null {
  if (decision === undefined) return null;
  if (decision.challenger.version === version) return decision.challenger;
  for (const row of decision.candidates ?? []) if (row.status === 'trained' && row.holdout.version === version) return row.holdout;
  return null;
}

/** The listing's rows, one per folder, in the folders' order (oldest first). */
export function listingRows(folders: readonly VersionFolder[], serving: ServedVersions): ModelListing[] {
  const decisions = runDecisions(folders);
  return folders.map((folder): ModelListing => {
    const { version } = folder;
    const manifest = folder.manifest.value;
    const lineage = manifest && lineageOf(manifest);
    const runName = runNameOf(folder);
    const own = folder.decision.value;
    const runDecision = own ?? (runName === null ? undefined : decisions.get(runName));
    const gated = own !== null;
    const status: ModelStatus =
      serving.champion === version ? 'serving'
        : serving.served.has(version) ? 'superseded'
          : own?.promote === false ? 'rejected'
            : !gated && runDecision !== undefined ? 'candidate'
              : 'not-promoted';
    return {
      version,
      createdAt: manifest?.createdAt ?? null,
      runName,
      mode: lineage?.mode ?? null,
      kind: manifest?.kind ?? null,
      trainRows: lineage?.trainRows ?? null,
      holdout: holdoutOf(version, runDecision),
      gated,
      picked: runDecision?.pick === undefined ? null : runDecision.pick.version === version,
      status,
      decision: own,
      decisionProblem: folder.decision.problem,
      manifestProblem: folder.manifest.problem,
    };
  });
}

/** The versions of one run, the gated one first; a version with no recorded run is a group of its own. */
export interface RunGroup {
  readonly runName: string | null;
  readonly versions: readonly ModelListing[];
}

/** Groups the rows by run, runs in the order of their first version, the gated version first within each, then by version. */
export function groupByRun(rows: readonly ModelListing[]): RunGroup[] {
  const groups = new Map<string, ModelListing[]>();
  for (const row of rows) {
    const key = row.runName === null ? `version:${row.version}` : `run:${row.runName}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((versions) => ({
    runName: versions[0]!.runName,
    versions: versions.toSorted((a, b) => Number(b.gated) - Number(a.gated) || a.version.localeCompare(b.version)),
  }));
}

/** The run's training mode and start, for its header line: the GP's (the challengers record the mode asked for), else the first version's. */
export function runHeadline(group: RunGroup): { readonly mode: string | null; readonly createdAt: string | null } {
  const gp = group.versions.find((row) => row.kind?.startsWith('gpc-')) ?? group.versions[0]!;
  const created = group.versions.map((row) => row.createdAt).filter((at): at is string => at !== null).sort();
  return { mode: gp.mode, createdAt: created[0] ?? null };
}
