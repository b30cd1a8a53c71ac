import { z } from 'zod';
import { TransientError } from '../../errors.ts';
import { ObjectNotFoundError, type ObjectStore, PreconditionFailedError } from '../../ports/object-store.ts';
import { LAST_RETRAIN_KEY } from '../../storage-keys.ts';

/**
 * The cooldown of drift retrains: `lake/drift/last-retrain.json` records the last retrain that
 * drift requested. A batch may claim the next one only once the cooldown has passed, and claims
 * it with a conditional put (create-only the first time, then compare-and-swap on the etag), so
 * two batches that drift at the same moment cannot both start a retrain.
 */


const lastRetrainSchema = z.object({
  batchName: z.string(),
  executionName: z.string(),
  requestedAt: z.iso.datetime(),
  modelVersion: z.string().nullable(),
});

export type LastRetrain = z.infer<typeof lastRetrainSchema>;

export type CooldownDecision =
  | { readonly claimed: true; readonly record: LastRetrain }
  | { readonly claimed: false; readonly previous: LastRetrain; readonly until: string };

async function read(store: ObjectStore): Promise<{ record: LastRetrain; etag: string } | undefined> {
  try {
    const { body, etag } = await store.get(LAST_RETRAIN_KEY);
    return { record: lastRetrainSchema.parse(JSON.parse(new TextDecoder().decode(body))), etag };
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Claims the next drift retrain for `request.batchName`, unless one was requested within
 * `cooldownHours` before `request.requestedAt`. Claiming again for the same batch (a retried or
 * re-run step) returns its own claim.
 */
export async function claimRetrain(store: ObjectStore, request: LastRetrain, cooldownHours: number): Promise<CooldownDecision> {
  // A lost race re-reads: the winner's record then decides (normally: within the cooldown).
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await read(store);
    if (current !== undefined) {
      if (current.record.batchName === request.batchName) return { claimed: true, record: current.record };
      const until = new Date(Date.parse(current.record.requestedAt) + cooldownHours * 3_600_000);
      if (Date.parse(request.requestedAt) < until.getTime()) return { claimed: false, previous: current.record, until: until.toISOString() };
    }
    try {
      await store.put(LAST_RETRAIN_KEY, `${JSON.stringify(request, null, 2)}\n`, {
        contentType: 'application/json',
        ...(current === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: current.etag }),
      });
      return { claimed: true, record: request };
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  // Worth the state's Retry: the contention is over by then.
  throw new TransientError(`${LAST_RETRAIN_KEY} kept changing while a drift retrain was being claimed`);
}
