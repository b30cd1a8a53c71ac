import { z } from 'zod';
import { type DataContract, parseContract } from '../core/contract/contract.ts';
import { type ArtifactManifest, isGpManifest } from '../core/ml/artifact.ts';
import type { ThresholdRecord } from '../core/ml/maintenance-model.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import { readChampionHistory } from '../core/registry/champion-history.ts';
import { readChampionState } from '../core/registry/champion-pointer.ts';
import type { CandidateRow, Headline } from '../core/registry/decision-record.ts';
import { listVersions, readJson, versionKey } from '../core/registry/model-store.ts';
import { isVersion } from '../core/registry/version.ts';
import { CliError } from './errors.ts';
import { displayPath, fixed, formatTable } from './format.ts';
import type { CliIo } from './io.ts';
import { listingRows, type ModelStatus } from './model-listing.ts';
import { nearestVersions } from './nearest-versions.ts';
import { type ListedDecision, lineageOf, readVersionFolder, reportKeyOf } from './version-folder.ts';
import { openWorkspace } from './workspace.ts';

/**
 * `prognos models show VERSION`: one model's record, read from its version folder and from its
 * run's (the run's decision, candidates and report may sit under a sibling version, the one the
 * gate judged): manifest, kind, contract, features, threshold, the rows and training set it was
 * trained on, the gate's checks, the run's table of models, the report.
 */

/** A version asked for that is not in the store; the message lists the nearest ones. */
export class UnknownVersionError extends CliError {
  override readonly name = 'UnknownVersionError' as const;
}

// training.json as the CLI reads it (Train writes it for the GP only; the writer's type is steps/train.ts's TrainingRecord).
const trainingRecordSchema = z.looseObject({
  mode: z.string().optional(),
  requestedMode: z.string().optional(),
  modeNote: z.string().nullable().optional(),
  splitKey: z.string().optional(),
  trainRowsAvailable: z.int().optional(),
  modelReason: z.string().optional(),
  rounds: z.int().optional(),
  fitSeconds: z.number().optional(),
  kernel: z.string().optional(),
  objective: z.string().optional(),
  logMarginalLikelihood: z.number().optional(),
});
type TrainingNotes = z.infer<typeof trainingRecordSchema>;

/** What `prognos models show VERSION --json` prints. */
export interface ModelRecord {
  readonly version: string;
  readonly status: ModelStatus;
  readonly champion: boolean;
  readonly createdAt: string;
  readonly kind: ArtifactManifest['kind'];
  readonly formatVersion: number;
  readonly runName: string | null;
  /** The mode it was trained in, and the one the run asked for when Train changed it (training.json, GP only). */
  readonly mode: string | null;
  readonly requestedMode: string | null;
  readonly modeNote: string | null;
  readonly trainRows: number;
  /** Rows of the training split when the model trained on fewer (the exact GP's cap). */
  readonly trainRowsAvailable: number | null;
  readonly modelReason: string | null;
  /** The run's training set (store key and path), the rows the model's training split was drawn from. */
  readonly trainingSet: { readonly key: string; readonly path: string } | null;
  readonly featureNames: readonly string[];
  readonly threshold: ThresholdRecord;
  readonly contract: DataContract | null;
  /** The GP's kernel and objective; null for the challengers. */
  readonly gp: { readonly kernel: string; readonly logMarginalLikelihood: number; readonly inducingPoints: number | null } | null;
  /** Its numbers on the run's holdout. */
  readonly holdout: Headline | null;
  /** The run's decision record and the version whose folder holds it (this one when the gate judged it). */
  readonly decision: { readonly version: string; readonly record: ListedDecision } | null;
  /** The run's models on the same holdout, from the decision record. */
  readonly candidates: readonly CandidateRow[] | null;
  readonly picked: boolean | null;
  /** The run's report (under the gated version) and the version it is under. */
  readonly report: { readonly version: string; readonly path: string } | null;
}

/** The version, checked: a malformed one or one that is not in the store is a CliError that says what exists. */
function checkKnown(version: string, versions: readonly string[]): void {
  const how = versions.length === 0 ? 'there are no models yet: train one with npx prognos run' : 'npx prognos models lists them';
  if (!isVersion(version)) {
    throw new UnknownVersionError(`${JSON.stringify(version)} is not a model version (e.g. 20261126T190501.123Z-1a2b3c4d); ${how}`);
  }
  if (versions.includes(version)) return;
  const near = nearestVersions(version, versions);
  throw new UnknownVersionError(`there is no model ${version}${near.length === 0 ? '' : `; the nearest: ${near.join(', ')}`}; ${how}`);
}

async function readTraining(store: ObjectStore, version: string): Promise<TrainingNotes | null> {
  const key = versionKey(version, 'training.json');
  if ((await store.head(key)) === undefined) return null;
  const parsed = trainingRecordSchema.safeParse(await readJson(store, key).catch(() => undefined));
  return parsed.success ? parsed.data : null;
}

function contractOrNull(manifest: ArtifactManifest): DataContract | null {
  try {
    return manifest.extra?.contract === undefined ? null : parseContract(manifest.extra.contract);
  } catch {
    return null;
  }
}

/** Reads one model's record; `version` must be one of the store's. */
export async function modelRecord(store: ObjectStore, version: string, pathOf: (key: string) => string): Promise<ModelRecord> {
  const versions = await listVersions(store);
  checkKnown(version, versions);
  const folders = await Promise.all(versions.map((v) => readVersionFolder(store, v)));
  const folder = folders.find((f) => f.version === version)!;
  const manifest = folder.manifest.value;
  if (manifest === null) throw new CliError(`model ${version}: ${folder.manifest.problem}; npx prognos doctor checks the store`);

  const state = await readChampionState(store);
  const history = await readChampionHistory(store);
  const champion = state.kind === 'readable' ? state.current.pointer : null;
  const served = new Set([...history.entries.map((entry) => entry.version), ...(champion?.previous ?? [])]);
  const rows = listingRows(folders, { champion: champion?.version ?? null, served });
  const row = rows.find((r) => r.version === version)!;
  // The run's decision: in this folder when the gate judged this version, else in the sibling's that it judged.
  const gatedRow = row.gated ? row : rows.find((r) => r.gated && r.runName !== null && r.runName === row.runName);
  const gatedVersion = gatedRow?.version ?? null;
  const decision = gatedRow?.decision ?? null;
  const reportKey = (await reportKeyOf(store, version)) ?? (gatedVersion === null || gatedVersion === version ? null : await reportKeyOf(store, gatedVersion));

  const lineage = lineageOf(manifest);
  const training = await readTraining(store, version);
  return {
    version,
    status: row.status,
    champion: row.status === 'serving',
    createdAt: manifest.createdAt,
    kind: manifest.kind,
    formatVersion: manifest.formatVersion,
    runName: lineage.runName,
    mode: lineage.mode,
    requestedMode: training?.requestedMode ?? null,
    modeNote: training?.modeNote ?? null,
    trainRows: lineage.trainRows,
    trainRowsAvailable: lineage.trainRowsAvailable ?? training?.trainRowsAvailable ?? null,
    modelReason: lineage.modelReason ?? training?.modelReason ?? null,
    trainingSet: lineage.trainingSetKey === null ? null : { key: lineage.trainingSetKey, path: displayPath(pathOf(lineage.trainingSetKey)) },
    featureNames: manifest.featureNames,
    threshold: manifest.threshold,
    contract: contractOrNull(manifest),
    gp: isGpManifest(manifest)
      ? { kernel: manifest.fitSummary.kernel, logMarginalLikelihood: manifest.logMarginalLikelihood, inducingPoints: manifest.kind === 'gpc-sparse' ? manifest.nInducing : null }
      : null,
    holdout: row.holdout,
    decision: decision === null || gatedVersion === null ? null : { version: gatedVersion, record: decision },
    candidates: decision?.candidates ?? null,
    picked: row.picked,
    report: reportKey === null ? null : { version: reportKey.split('/')[1]!, path: displayPath(pathOf(reportKey)) },
  };
}

const STATUS_LINE: Record<ModelStatus, string> = {
  serving: 'serving (the champion)',
  superseded: 'promoted, then superseded',
  rejected: 'rejected by the gate',
  candidate: 'trained beside the version the gate judged',
  'not-promoted': 'not promoted',
};

function headlineText(h: Headline): string {
  return `recall ${fixed(h.recall)}, precision ${fixed(h.precision)}, average precision ${fixed(h.averagePrecision)}, ROC AUC ${fixed(h.rocAuc)} at threshold ${h.threshold.toPrecision(4)}`;
}

/** The record as text: the model, then the gate's checks, then the run's models. */
export function formatModelRecord(record: ModelRecord): string {
  const facts: [string, string][] = [
    ['status', STATUS_LINE[record.status]],
    ['kind', record.kind],
    ['created', record.createdAt],
    ['run', record.runName ?? '- (not recorded: an artifact from before runs were)'],
    ['mode', [record.mode ?? '-', record.requestedMode && record.requestedMode !== record.mode ? `(asked: ${record.requestedMode})` : '', record.modeNote ?? ''].filter(Boolean).join(' ')],
    ['trained on', `${record.trainRows} rows${record.trainRowsAvailable !== null && record.trainRowsAvailable !== record.trainRows ? ` of ${record.trainRowsAvailable}` : ''}${record.modelReason ? ` (${record.modelReason})` : ''}`],
    ['training set', record.trainingSet ? record.trainingSet.path : '-'],
    ['features', `${record.featureNames.length}: ${record.featureNames.join(', ')}`],
    [
      'contract',
      record.contract
        ? `${record.contract.name} (version ${record.contract.version}): ${record.contract.features.length} features, ${record.contract.derived.length} derived, label ${record.contract.label.name}, id ${record.contract.id.name}`
        : '- (none stored with the model)',
    ],
    [
      'threshold',
      `${record.threshold.value.toPrecision(4)} for recall ≥ ${record.threshold.targetRecall} (${record.threshold.source}: recall ${fixed(record.threshold.recall)}, precision ${fixed(record.threshold.precision)})`,
    ],
  ];
  if (record.gp) {
    facts.push(['kernel', record.gp.kernel + (record.gp.inducingPoints === null ? '' : `, ${record.gp.inducingPoints} inducing points`)]);
    facts.push([record.kind === 'gpc-sparse' ? 'ELBO' : 'log marginal likelihood', record.gp.logMarginalLikelihood.toFixed(2)]);
  }
  facts.push(['holdout', record.holdout ? headlineText(record.holdout) : '- (its run recorded no holdout numbers for it)']);
  facts.push(['report', record.report ? `${record.report.path}${record.report.version === record.version ? '' : ` (its run's, under ${record.report.version})`}` : '- (none written)']);
  let text = `model ${record.version}\n${formatTable(facts, { align: ['left', 'left'] })}`;

  const decision = record.decision;
  if (decision === null) text += '\nno gate decision: its run stopped before the gate (or predates decision records)\n';
  else {
    const judged = decision.version === record.version ? 'this version' : `${decision.version}, a sibling of this version`;
    const verdict = decision.record.promote ? 'passed' : 'failed';
    text += `\ngate: ${verdict}, judging ${judged}${decision.record.decidedAt ? ` (${decision.record.decidedAt})` : ''}\n`;
    text += formatTable(decision.record.checks.map((check) => [check.passed ? '✓' : '✗', check.name, check.detail]), { align: ['left', 'left', 'left'] });
  }
  if (record.candidates !== null && record.candidates.length > 0) {
    text += `\nmodels trained in run ${record.runName ?? '-'}, on the same holdout:\n`;
    const pick = decision?.record.pick;
    const rows = record.candidates.map((row) => {
      const version = row.status === 'trained' ? row.holdout.version : '';
      const marks = [version === record.version ? 'this one' : '', pick?.version === version && version !== '' ? 'picked' : ''].filter(Boolean).join(', ');
      return row.status === 'trained'
        ? [row.kind, version, row.fitSeconds.toFixed(2), fixed(row.holdout.recall), fixed(row.holdout.precision), fixed(row.holdout.averagePrecision), fixed(row.holdout.rocAuc), marks]
        : [row.kind, '', '', '', '', '', '', `failed: ${row.reason}`];
    });
    text += formatTable([['kind', 'version', 'fit s', 'recall', 'precision', 'AP', 'ROC AUC', ''], ...rows], { align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'left'] });
    if (pick) text += `  the rule picked ${pick.kind}: ${pick.reason}\n`;
  }
  return text;
}

/** `prognos models show VERSION [--json]`. */
export async function runModelShow(options: { readonly home: string; readonly contract: DataContract; readonly version: string; readonly json?: boolean }, io: CliIo): Promise<ModelRecord> {
  const workspace = openWorkspace(options.home, options.contract);
  const record = await modelRecord(workspace.store, options.version, workspace.pathOf);
  io.out(options.json ? `${JSON.stringify(record, null, 2)}\n` : formatModelRecord(record));
  return record;
}
