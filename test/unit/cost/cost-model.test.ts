import { describe, expect, it } from 'vitest';
import { athenaBilledBytes, estimateCost, gbSeconds, type RunUsage, withEarlierAttempts } from '../../../lambdas/core/cost/cost-model.ts';
import { BATCH_MEMORY_MB, TRAINING_MEMORY_MB, taskMemoryOf } from '../../../lambdas/core/cost/function-memory.ts';
import { LIST_PRICES, type PriceList, priceListSchema } from '../../../lambdas/core/cost/prices.ts';
import { usageFromStates } from '../../../lambdas/core/cost/run-usage.ts';
import { BATCH_FUNCTIONS } from '../../../lib/batch-pipeline.ts';
import { TRAINING_FUNCTIONS } from '../../../lib/training-pipeline.ts';

/** Round numbers, so that every expected value below can be checked by hand. */
const prices: PriceList = {
  ...LIST_PRICES,
  asOf: '2025-06-01',
  lambda: { ...LIST_PRICES.lambda, armUsdPerGbSecond: 0.00001, usdPerMillionRequests: 0.2 },
  stepFunctions: { ...LIST_PRICES.stepFunctions, standardUsdPerThousandTransitions: 0.025 },
  athena: { ...LIST_PRICES.athena, usdPerTbScanned: 5, bytesPerTb: 2 ** 40, minimumBytesPerQuery: 10 * 2 ** 20 },
  s3: { ...LIST_PRICES.s3, usdPerThousandPutCopyPostList: 0.005, usdPerThousandGetAndOther: 0.0004 },
};

const usage: RunUsage = {
  lambda: [
    // 1 GB for 1 s, and 10 GB for 0.5 s (0.4996 s is billed as 500 ms): 1 + 5 = 6 GB-s
    { state: 'ValidateAndIngest', memoryMb: 1024, durationMs: 1000, invocations: 1 },
    { state: 'Train', memoryMb: 10_240, durationMs: 499.6, invocations: 2 },
  ],
  stateTransitions: 40,
  // 1 MB is billed as the 10 MB minimum; 2^30 bytes (1 GiB) as itself
  athenaBytesScanned: [2 ** 20, 2 ** 30],
  athenaEstimated: true,
  s3: { putCopyPostList: 1000, getAndOther: 2500 },
};

describe('estimateCost', () => {
  const estimate = estimateCost(usage, prices);

  it('prices Lambda GB-seconds (rounded up to the millisecond) and requests', () => {
    expect(gbSeconds(usage.lambda)).toBeCloseTo(6, 12);
    expect(estimate.lambda.invocations).toBe(3);
    // 6 GB-s × $0.00001 + 3 requests × $0.2 / 1e6
    expect(estimate.lambda.usd).toBeCloseTo(0.00006 + 0.0000006, 15);
  });

  it('prices Step Functions Standard transitions', () => {
    // 40 × $0.025 / 1000
    expect(estimate.stepFunctions).toEqual({ transitions: 40, usd: expect.closeTo(0.001, 15) });
  });

  it('prices Athena bytes with the 10 MB minimum per query', () => {
    expect(athenaBilledBytes(2 ** 20, prices)).toBe(10 * 2 ** 20);
    expect(athenaBilledBytes(2 ** 30, prices)).toBe(2 ** 30);
    expect(athenaBilledBytes(0.5, prices)).toBe(10 * 2 ** 20);
    // (10 MiB + 1 GiB) / 1 TiB × $5 = (10 / 2^20 + 1 / 2^10) × 5
    const usd = (10 / 2 ** 20 + 1 / 2 ** 10) * 5;
    expect(estimate.athena).toEqual({ queries: 2, bytesScanned: 2 ** 20 + 2 ** 30, bytesBilled: 10 * 2 ** 20 + 2 ** 30, estimated: true, usd: expect.closeTo(usd, 15) });
    expect(usd).toBeCloseTo(0.0049305, 7);
  });

  it('prices S3 requests by class', () => {
    // 1000 × $0.005 / 1000 + 2500 × $0.0004 / 1000 = 0.005 + 0.001
    expect(estimate.s3).toEqual({ putCopyPostList: 1000, getAndOther: 2500, usd: expect.closeTo(0.006, 15) });
  });

  it('adds the parts up and names the prices', () => {
    expect(estimate.totalUsd).toBeCloseTo(0.0000606 + 0.001 + (10 / 2 ** 20 + 1 / 2 ** 10) * 5 + 0.006, 15);
    expect(estimate).toMatchObject({ currency: 'USD', region: 'us-east-1', pricesAsOf: '2025-06-01' });
    expect(estimate.unpricedTasks).toBeUndefined();
  });

  it('costs nothing for nothing used', () => {
    const none = estimateCost({ lambda: [], stateTransitions: 0, athenaBytesScanned: [], athenaEstimated: false, s3: { putCopyPostList: 0, getAndOther: 0 } }, prices);
    expect(none.totalUsd).toBe(0);
  });

  it('refuses negative or non-finite use with a RangeError', () => {
    expect(() => estimateCost({ ...usage, stateTransitions: -1 }, prices)).toThrow(RangeError);
    expect(() => estimateCost({ ...usage, athenaBytesScanned: [Number.NaN] }, prices)).toThrow(/Athena query 1 bytes/);
    expect(() => estimateCost({ ...usage, lambda: [{ state: 'Train', memoryMb: 1024, durationMs: Infinity, invocations: 1 }] }, prices)).toThrow(/Train duration/);
  });

  it('adds the S3 and Athena use of earlier attempts to a redrive', () => {
    const earlier = estimateCost({ ...usage, lambda: [], stateTransitions: 0, athenaBytesScanned: [2 ** 20], s3: { putCopyPostList: 1000, getAndOther: 0 } }, prices);
    const both = withEarlierAttempts(estimate, earlier, prices);
    expect(both.s3).toEqual({ putCopyPostList: 2000, getAndOther: 2500, usd: expect.closeTo(0.011, 15) });
    expect(both.athena.queries).toBe(3);
    expect(both.athena.bytesBilled).toBe(20 * 2 ** 20 + 2 ** 30);
    expect(both.lambda).toEqual(estimate.lambda);
    expect(both.totalUsd).toBeCloseTo(estimate.totalUsd + 0.005 + (10 / 2 ** 20) * 5, 15);
    expect(withEarlierAttempts(estimate, undefined, prices)).toBe(estimate);
  });
});

describe('usageFromStates', () => {
  const states = [
    { name: 'IngestFiles', type: 'Map', durationMs: 900, retries: 0, iterations: [0, 1].map(() => ({ states: [{ name: 'ValidateAndIngest', type: 'Task', durationMs: 400, retries: 0 }] })) },
    { name: 'Train', type: 'Task', durationMs: 2000, retries: 1 },
    { name: 'TrainDone', type: 'Choice', durationMs: 0, retries: 0 },
    { name: 'Mystery', type: 'Task', durationMs: 5, retries: 0 },
  ];
  const used = usageFromStates(states, TRAINING_MEMORY_MB);

  it('counts one transition per state entry and per retry, Map iterations included', () => {
    // IngestFiles 1 + two iterations × 1 + Train 1 + its retry 1 + TrainDone 1 + Mystery 1
    expect(used.stateTransitions).toBe(7);
  });

  it('takes each Task entry as 1 + retries invocations at its memory', () => {
    expect(used.lambda).toEqual([
      { state: 'ValidateAndIngest', memoryMb: 1024, durationMs: 400, invocations: 1 },
      { state: 'ValidateAndIngest', memoryMb: 1024, durationMs: 400, invocations: 1 },
      { state: 'Train', memoryMb: 10_240, durationMs: 2000, invocations: 2 },
    ]);
    // 0.4 + 0.4 + 2 × 10 GB-s
    expect(gbSeconds(used.lambda)).toBeCloseTo(20.8, 12);
  });

  it('names the Tasks it has no memory for', () => {
    expect(used.unpricedTasks).toEqual(['Mystery']);
    expect(estimateCost({ ...usage, lambda: used.lambda }, prices, used.unpricedTasks).unpricedTasks).toEqual(['Mystery']);
  });
});

describe('the memory the estimate uses', () => {
  it('is the memory CDK deploys', () => {
    for (const [step, spec] of Object.entries(TRAINING_FUNCTIONS)) expect(spec.memorySize, step).toBe(TRAINING_MEMORY_MB[step as keyof typeof TRAINING_MEMORY_MB]);
    for (const [step, spec] of Object.entries(BATCH_FUNCTIONS)) expect(spec.memorySize, step).toBe(BATCH_MEMORY_MB[step as keyof typeof BATCH_MEMORY_MB]);
    expect(taskMemoryOf('training')).toBe(TRAINING_MEMORY_MB);
    expect(taskMemoryOf('batch-inference')).toBe(BATCH_MEMORY_MB);
    expect(taskMemoryOf('other')).toBeUndefined();
  });
});

describe('prices.json', () => {
  it('holds a dated, sourced list price for each billed unit', () => {
    expect(LIST_PRICES.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(LIST_PRICES.athena.minimumBytesPerQuery).toBe(10 * 2 ** 20);
    expect(LIST_PRICES.lambda.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
  });

  it('is refused when a price is missing or negative', () => {
    expect(priceListSchema.safeParse({ ...LIST_PRICES, lambda: { ...LIST_PRICES.lambda, armUsdPerGbSecond: -1 } }).success).toBe(false);
    const { s3: _s3, ...withoutS3 } = LIST_PRICES;
    expect(priceListSchema.safeParse(withoutS3).success).toBe(false);
  });
});
