import { z } from 'zod';
import type { ArtifactManifest } from '../core/ml/artifact.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import { candidateRowSchema, decisionKey, headlineSchema } from '../core/registry/decision-record.ts';
import { loadManifest, readJson, versionKey } from '../core/registry/model-store.ts';

/**
 * What one version folder (`models/<version>/`) tells the CLI: the artifact's manifest, and the
 * run's decision record when the gate judged this version. The records of a run (decision,
 * evaluation, report) live under the version the gate judged, which need not be the GP's, so a
 * reader asks each folder rather than assuming one. Every record is read leniently: a listing
 * goes on past an unreadable one and says what is wrong with it.
 */

// The decision record as the CLI reads it. The writer's type is registry/decision-record.ts; fields
// added later (candidates, pick) and fields a record from an older build may lack are optional here.
export const listedDecisionSchema = z.looseObject({
  promote: z.boolean(),
  summary: z.string(),
  challenger: headlineSchema,
  checks: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string() })).default([]),
  runName: z.string().optional(),
  decidedAt: z.string().optional(),
  minRecall: z.number().optional(),
  margin: z.number().optional(),
  champion: headlineSchema.nullable().optional(),
  championNote: z.string().nullable().optional(),
  candidates: z.array(candidateRowSchema).optional(),
  pick: z.object({ version: z.string(), kind: z.string(), reason: z.string() }).optional(),
});
export type ListedDecision = z.infer<typeof listedDecisionSchema>;

/** The lineage a manifest carries in `extra` (Train and the challenger Tasks write it). */
const lineageSchema = z.looseObject({
  runName: z.string().optional(),
  mode: z.string().optional(),
  trainingSetKey: z.string().optional(),
  trainRows: z.int().nonnegative().optional(),
  trainRowsAvailable: z.int().nonnegative().optional(),
  modelReason: z.string().optional(),
});

/** Who made a version, from its manifest: the run, its mode, the training set and the rows. */
export interface Lineage {
  readonly runName: string | null;
  readonly mode: string | null;
  readonly trainingSetKey: string | null;
  /** Rows the model trained on (`extra.trainRows`, else the manifest's `nTrain`). */
  readonly trainRows: number;
  /** Rows of the run's training split, when the GP trained on fewer (its row cap). */
  readonly trainRowsAvailable: number | null;
  readonly modelReason: string | null;
}

export function lineageOf(manifest: ArtifactManifest): Lineage {
  const extra = lineageSchema.safeParse(manifest.extra ?? {});
  const lineage = extra.success ? extra.data : {};
  return {
    runName: lineage.runName ?? null,
    mode: lineage.mode ?? null,
    trainingSetKey: lineage.trainingSetKey ?? null,
    trainRows: lineage.trainRows ?? manifest.nTrain,
    trainRowsAvailable: lineage.trainRowsAvailable ?? null,
    modelReason: lineage.modelReason ?? null,
  };
}

/** A record that is either read, absent, or there but unreadable (with why). */
export type Read<T> = { readonly value: T; readonly problem: null } | { readonly value: null; readonly problem: string | null };

export interface VersionFolder {
  readonly version: string;
  readonly manifest: Read<ArtifactManifest>;
  readonly decision: Read<ListedDecision>;
}

const absent = { value: null, problem: null } as const;

/** The decision record in the version's folder: absent when the gate did not judge this version (or has not yet). */
export async function readDecision(store: ObjectStore, version: string): Promise<Read<ListedDecision>> {
  const key = decisionKey(version);
  if ((await store.head(key)) === undefined) return absent;
  try {
    return { value: listedDecisionSchema.parse(await readJson(store, key)), problem: null };
  } catch (error) {
    return { value: null, problem: `${key} is unreadable: ${error instanceof z.ZodError ? 'not a decision record' : (error as Error).message}` };
  }
}

export async function readManifest(store: ObjectStore, version: string): Promise<Read<ArtifactManifest>> {
  try {
    return { value: await loadManifest(store, version), problem: null };
  } catch (error) {
    // loadManifest names the version; the caller does too.
    return { value: null, problem: (error as Error).message.replace(`model ${version}: `, '') };
  }
}

export async function readVersionFolder(store: ObjectStore, version: string): Promise<VersionFolder> {
  const [manifest, decision] = await Promise.all([readManifest(store, version), readDecision(store, version)]);
  return { version, manifest, decision };
}

/** The store key of a version's report, when it has one. */
export async function reportKeyOf(store: ObjectStore, version: string): Promise<string | null> {
  const key = versionKey(version, 'report.html');
  return (await store.head(key)) === undefined ? null : key;
}
