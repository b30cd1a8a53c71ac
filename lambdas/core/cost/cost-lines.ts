import type { CostEstimate } from './cost-model.ts';

/**
 * A cost estimate as lines for a person: one per billed service, then the total. Shared by the
 * CLI summaries and the reports, so they say the same thing in the same words.
 */

/** US dollars with enough digits to tell a fraction of a cent: `$0.000123`, `$1.23`. */
export function usd(amount: number): string {
  if (amount === 0) return '$0';
  if (amount >= 1) return `$${amount.toFixed(2)}`;
  // Three significant digits below a dollar.
  const digits = Math.min(10, Math.max(2, 2 - Math.floor(Math.log10(amount))));
  return `$${amount.toFixed(digits)}`;
}

function bytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

export interface CostLine {
  readonly service: string;
  readonly usage: string;
  readonly usd: string;
}

export function costLines(cost: CostEstimate): CostLine[] {
  const lines: CostLine[] = [
    { service: 'Lambda', usage: `${cost.lambda.gbSeconds.toFixed(1)} GB-s in ${cost.lambda.invocations} invocations (Arm)`, usd: usd(cost.lambda.usd) },
    { service: 'Step Functions', usage: `${cost.stepFunctions.transitions} state transitions (Standard)`, usd: usd(cost.stepFunctions.usd) },
    {
      service: 'Athena',
      usage:
        cost.athena.queries === 0
          ? 'no queries'
          : `${cost.athena.queries} quer${cost.athena.queries === 1 ? 'y' : 'ies'}, ${bytes(cost.athena.bytesScanned)} scanned${cost.athena.estimated ? ' (estimated)' : ''}, ${bytes(cost.athena.bytesBilled)} billed`,
      usd: usd(cost.athena.usd),
    },
    { service: 'S3 requests', usage: `${cost.s3.putCopyPostList} PUT/LIST, ${cost.s3.getAndOther} GET/HEAD`, usd: usd(cost.s3.usd) },
  ];
  return lines;
}

/** `$0.0012 at us-east-1 list prices of 2025-06-01`, and the Tasks left out, if any. */
export function costTotalText(cost: CostEstimate): string {
  const left = cost.unpricedTasks?.length ? `; not priced: ${cost.unpricedTasks.join(', ')}` : '';
  return `${usd(cost.totalUsd)} at ${cost.region} list prices of ${cost.pricesAsOf} (an estimate; storage and logs are billed monthly)${left}`;
}
