import { describe, expect, it } from 'vitest';
import { cheapestThreshold, costAt, precisionAtK } from '../../../lambdas/core/ml/expected-cost.ts';
import { percent } from '../../../lambdas/core/report/format.ts';
import { errorCostSection } from '../../../lambdas/core/report/model/error-cost-section.ts';
import { makeReportData } from './report-fixture.ts';

describe('the report’s cost and inspection-budget section', () => {
  it('prices each model’s errors at its threshold, shows the cheapest threshold for comparison, and precision at k', () => {
    const data = makeReportData({ champion: true });
    const { labels, challenger } = data.evaluation;
    const costs = { missedFailure: 25, inspection: 2 };
    const text = String(errorCostSection({ ...data, costs }));
    const at = costAt(labels, challenger.probability, challenger.threshold, costs);
    const best = cheapestThreshold(labels, challenger.probability, costs);
    expect(text).toContain(`<th scope="row">Challenger</th><td class="num">${challenger.threshold.toFixed(4)}</td><td class="num">${at.missed}</td><td class="num">${at.needlessInspections}</td><td class="num">${at.cost.toFixed(0)}</td>`);
    expect(text).toContain(`<td class="num">${best.threshold.toFixed(4)}</td><td class="num">${best.cost.toFixed(0)}</td>`);
    expect(text).toContain('<th scope="row">Champion</th>');
    expect(text).toContain('(config.costs)');
    expect(text).toContain(`<td class="num">${percent(precisionAtK(labels, challenger.probability, 50))}</td>`);
    // The cheapest threshold on the holdout is never dearer than the chosen one.
    expect(best.cost).toBeLessThanOrEqual(at.cost);
  });

  it('uses the default ratio and says so when the run set no costs; no champion row without a champion', () => {
    const text = String(errorCostSection(makeReportData({ champion: false })));
    expect(text).toContain('a missed failure costing 10.00 and a needless inspection 1.00 (the default ratio; set config.costs to your own)');
    expect(text).not.toContain('Champion');
  });
});
