import { z } from 'zod';
import type { PriceList } from './prices.ts';

/**
 * What one run costs at list prices, from what it used: pure arithmetic, no I/O. Lambda bills
 * GB-seconds (duration rounded up to the millisecond × memory) and requests; Step Functions
 * Standard bills state transitions; Athena bills bytes scanned with a 10 MB minimum per query;
 * S3 bills requests in two classes. Storage and logs are billed by the month, not by the run
 * (docs/architecture.md, "What it costs").
 */

/** One Task state's Lambda use: `invocations` attempts (retries included) that together ran `durationMs`. */
export interface LambdaUse {
  readonly state: string;
  readonly memoryMb: number;
  readonly durationMs: number;
  readonly invocations: number;
}

/** What a run used. */
export interface RunUsage {
  readonly lambda: readonly LambdaUse[];
  readonly stateTransitions: number;
  /** Bytes each Athena query scanned (one entry per query). */
  readonly athenaBytesScanned: readonly number[];
  /** True when the bytes are estimated (locally: the Parquet bytes under the table), false when Athena reported them. */
  readonly athenaEstimated: boolean;
  readonly s3: S3RequestCounts;
}

/** S3 requests by price class: PUT, COPY, POST and LIST; GET, HEAD and the rest. */
export interface S3RequestCounts {
  readonly putCopyPostList: number;
  readonly getAndOther: number;
}

const count = z.number().int().nonnegative();
const usd = z.number().nonnegative();

export const costEstimateSchema = z.object({
  currency: z.literal('USD'),
  region: z.string(),
  /** The date of the list prices used. */
  pricesAsOf: z.string(),
  lambda: z.object({ invocations: count, gbSeconds: z.number().nonnegative(), usd }),
  stepFunctions: z.object({ transitions: count, usd }),
  athena: z.object({ queries: count, bytesScanned: count, bytesBilled: count, estimated: z.boolean(), usd }),
  s3: z.object({ putCopyPostList: count, getAndOther: count, usd }),
  totalUsd: usd,
  /** Task states whose memory is unknown (not in function-memory.ts): left out of the Lambda cost. */
  unpricedTasks: z.array(z.string()).optional(),
});
export type CostEstimate = z.infer<typeof costEstimateSchema>;

/** GB-seconds of the Lambda use: each state's duration rounded up to the millisecond, times its memory in GB (1,024 MB). */
export function gbSeconds(uses: readonly LambdaUse[]): number {
  return uses.reduce((sum, use) => sum + (Math.ceil(use.durationMs) / 1000) * (use.memoryMb / 1024), 0);
}

/** What Athena bills for one query's bytes: at least the minimum per query. */
export function athenaBilledBytes(bytesScanned: number, prices: PriceList): number {
  return Math.max(prices.athena.minimumBytesPerQuery, Math.ceil(bytesScanned));
}

/** @throws RangeError for a negative or non-finite amount of use */
export function estimateCost(usage: RunUsage, prices: PriceList, unpricedTasks: readonly string[] = []): CostEstimate {
  checkUsage(usage);
  const gbs = gbSeconds(usage.lambda);
  const invocations = usage.lambda.reduce((sum, use) => sum + use.invocations, 0);
  const lambdaUsd = gbs * prices.lambda.armUsdPerGbSecond + (invocations * prices.lambda.usdPerMillionRequests) / 1e6;
  const sfnUsd = (usage.stateTransitions * prices.stepFunctions.standardUsdPerThousandTransitions) / 1000;
  const bytesScanned = usage.athenaBytesScanned.reduce((sum, bytes) => sum + Math.ceil(bytes), 0);
  const bytesBilled = usage.athenaBytesScanned.reduce((sum, bytes) => sum + athenaBilledBytes(bytes, prices), 0);
  const athenaUsd = (bytesBilled / prices.athena.bytesPerTb) * prices.athena.usdPerTbScanned;
  const s3Usd = (usage.s3.putCopyPostList * prices.s3.usdPerThousandPutCopyPostList + usage.s3.getAndOther * prices.s3.usdPerThousandGetAndOther) / 1000;
  return {
    currency: prices.currency,
    region: prices.region,
    pricesAsOf: prices.asOf,
    lambda: { invocations, gbSeconds: gbs, usd: lambdaUsd },
    stepFunctions: { transitions: usage.stateTransitions, usd: sfnUsd },
    athena: { queries: usage.athenaBytesScanned.length, bytesScanned, bytesBilled, estimated: usage.athenaEstimated, usd: athenaUsd },
    s3: { ...usage.s3, usd: s3Usd },
    totalUsd: lambdaUsd + sfnUsd + athenaUsd + s3Usd,
    ...(unpricedTasks.length > 0 ? { unpricedTasks: [...unpricedTasks] } : {}),
  };
}

function checkUsage(usage: RunUsage): void {
  const amounts: [string, number][] = [
    ['state transitions', usage.stateTransitions],
    ['S3 PUT/LIST requests', usage.s3.putCopyPostList],
    ['S3 GET requests', usage.s3.getAndOther],
    ...usage.lambda.flatMap((use): [string, number][] => [
      [`${use.state} duration`, use.durationMs],
      [`${use.state} memory`, use.memoryMb],
      [`${use.state} invocations`, use.invocations],
    ]),
    ...usage.athenaBytesScanned.map((bytes, i): [string, number] => [`Athena query ${i + 1} bytes`, bytes]),
  ];
  for (const [what, amount] of amounts) {
    if (!Number.isFinite(amount) || amount < 0) throw new RangeError(`cost estimate: ${what} must be a finite number ≥ 0, got ${amount}`);
  }
}

/**
 * A redriven run's estimate: `current` (priced from the whole record, so its Lambda and Step
 * Functions parts cover every attempt) plus the S3 and Athena use `earlier` attempts counted,
 * which only their own meters saw.
 */
export function withEarlierAttempts(current: CostEstimate, earlier: CostEstimate | undefined, prices: PriceList): CostEstimate {
  if (earlier === undefined) return current;
  const s3 = {
    putCopyPostList: current.s3.putCopyPostList + earlier.s3.putCopyPostList,
    getAndOther: current.s3.getAndOther + earlier.s3.getAndOther,
  };
  const s3Usd = (s3.putCopyPostList * prices.s3.usdPerThousandPutCopyPostList + s3.getAndOther * prices.s3.usdPerThousandGetAndOther) / 1000;
  const bytesBilled = current.athena.bytesBilled + earlier.athena.bytesBilled;
  const athena = {
    queries: current.athena.queries + earlier.athena.queries,
    bytesScanned: current.athena.bytesScanned + earlier.athena.bytesScanned,
    bytesBilled,
    estimated: current.athena.estimated || earlier.athena.estimated,
    usd: (bytesBilled / prices.athena.bytesPerTb) * prices.athena.usdPerTbScanned,
  };
  return { ...current, athena, s3: { ...s3, usd: s3Usd }, totalUsd: current.lambda.usd + current.stepFunctions.usd + athena.usd + s3Usd };
}
