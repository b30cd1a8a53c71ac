import type { TopLevelSpec } from 'vega-lite';
import type { FeatureImportance } from '../../ml/permutation-importance.ts';
import { CONFIG } from './charts.ts';

/**
 * One model's permutation importance as horizontal bars, largest drop on top: the bar is the mean
 * drop in average precision over the shuffles, the black line spans the smallest to the largest
 * drop (with 3–5 shuffles an sd would be a guess; the range is what was seen). A grey rule marks
 * zero, since a shuffle that happens to help gives a negative drop.
 */
export function importanceChart(features: readonly FeatureImportance[], color: string): TopLevelSpec {
  const x = { type: 'quantitative', title: 'drop in average precision when the input is shuffled' } as const;
  const y = { field: 'feature', type: 'nominal', title: null, sort: { field: 'meanDrop', op: 'max', order: 'descending' }, axis: { labelLimit: 220 } } as const;
  return {
    config: CONFIG,
    data: { values: features.map((f) => ({ feature: f.feature, meanDrop: f.meanDrop, minDrop: f.minDrop, maxDrop: f.maxDrop })) },
    width: 300,
    height: { step: 20 },
    layer: [
      { mark: { type: 'bar', color, opacity: 0.85 }, encoding: { x: { ...x, field: 'meanDrop' }, y } },
      { mark: { type: 'rule', color: '#111827', strokeWidth: 1.5 }, encoding: { x: { ...x, field: 'minDrop' }, x2: { field: 'maxDrop' }, y } },
      { mark: { type: 'tick', color: '#111827', thickness: 1.5, size: 8 }, encoding: { x: { ...x, field: 'minDrop' }, y } },
      { mark: { type: 'tick', color: '#111827', thickness: 1.5, size: 8 }, encoding: { x: { ...x, field: 'maxDrop' }, y } },
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#9ca3af' }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
    ],
  };
}
