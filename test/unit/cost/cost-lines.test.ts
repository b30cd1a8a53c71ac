import { describe, expect, it } from 'vitest';
import { costLines, costTotalText, usd } from '../../../lambdas/core/cost/cost-lines.ts';
import type { CostEstimate } from '../../../lambdas/core/cost/cost-model.ts';
import { costText } from '../../../lambdas/cli/run.ts';

const cost: CostEstimate = {
  currency: 'USD',
  region: 'us-east-1',
  pricesAsOf: '2025-06-01',
  lambda: { invocations: 8, gbSeconds: 393.54, usd: 0.0052486 },
  stepFunctions: { transitions: 19, usd: 0.000475 },
  athena: { queries: 1, bytesScanned: 41_677, bytesBilled: 10_485_760, estimated: true, usd: 0.0000476837 },
  s3: { putCopyPostList: 18, getAndOther: 26, usd: 0.0001004 },
  totalUsd: 0.0058717,
};

describe('cost lines', () => {
  it('shows dollars to three significant digits below a dollar', () => {
    expect(usd(0)).toBe('$0');
    expect(usd(0.0058717)).toBe('$0.00587');
    expect(usd(0.000475)).toBe('$0.000475');
    expect(usd(0.0000476837)).toBe('$0.0000477');
    expect(usd(12.345)).toBe('$12.35');
  });

  it('has one line per billed service, saying when the Athena bytes are estimated', () => {
    expect(costLines(cost)).toEqual([
      { service: 'Lambda', usage: '393.5 GB-s in 8 invocations (Arm)', usd: '$0.00525' },
      { service: 'Step Functions', usage: '19 state transitions (Standard)', usd: '$0.000475' },
      { service: 'Athena', usage: '1 query, 40.7 KiB scanned (estimated), 10.0 MiB billed', usd: '$0.0000477' },
      { service: 'S3 requests', usage: '18 PUT/LIST, 26 GET/HEAD', usd: '$0.000100' },
    ]);
    expect(costLines({ ...cost, athena: { ...cost.athena, queries: 0 } })[2]?.usage).toBe('no queries');
  });

  it('names the prices and the Tasks left out', () => {
    expect(costTotalText(cost)).toBe('$0.00587 at us-east-1 list prices of 2025-06-01 (an estimate; storage and logs are billed monthly)');
    expect(costTotalText({ ...cost, unpricedTasks: ['Mystery'] })).toMatch(/not priced: Mystery$/);
  });

  it('is part of the CLI summary when the record has an estimate', () => {
    expect(costText({})).toBe('');
    const text = costText({ cost });
    expect(text).toContain('cost in AWS  $0.00587');
    expect(text).toMatch(/Step Functions\s+19 state transitions \(Standard\)\s+\$0\.000475/);
  });
});
