import type { Config, TopLevelSpec } from 'vega-lite';
import type { CategoryDrift, FeatureDrift } from '../../drift/types.ts';
import type { ScoreHistogram } from './batch-score-histogram.ts';
import { fixed, significant } from '../format.ts';

/**
 * The batch report's Vega-Lite specs. Only numbers and labels built here from numbers reach a
 * spec: names from the data (features, files) stay in the page's escaped HTML.
 */

// The model report's look (model/charts.ts), so both reports read alike.
const CONFIG: Config = {
  font: 'sans-serif',
  background: 'white',
  aria: false,
  view: { stroke: '#d1d5db' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eef0f3', labelFlush: false },
  legend: { orient: 'bottom', labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal' },
};

const TRAINING = '#9ca3af';
const BATCH = '#1d4ed8';
const DRIFTED = '#dc2626';

export interface ScoreBinRow {
  readonly binStart: number;
  readonly binEnd: number;
  readonly count: number;
  readonly share: number;
}

export function scoreBinRows(scores: ScoreHistogram): ScoreBinRow[] {
  const total = scores.counts.reduce((s, c) => s + c, 0);
  const width = 1 / scores.counts.length;
  return scores.counts.map((count, k) => ({ binStart: k * width, binEnd: (k + 1) * width, count, share: total === 0 ? 0 : count / total }));
}

/** Share of the scored rows per probability bin, with the decision threshold as a rule. */
export function scoreHistogramChart(scores: ScoreHistogram, threshold: number): TopLevelSpec {
  const x = { field: 'x', type: 'quantitative' } as const;
  return {
    config: CONFIG,
    width: 600,
    height: 180,
    layer: [
      {
        data: { values: scoreBinRows(scores) },
        mark: { type: 'bar', color: BATCH, opacity: 0.85, binSpacing: 1 },
        encoding: {
          x: { field: 'binStart', type: 'quantitative', bin: { binned: true }, title: 'P(needs maintenance)', scale: { domain: [0, 1] } },
          x2: { field: 'binEnd' },
          y: { field: 'share', type: 'quantitative', title: 'share of scored rows', axis: { format: '.0%', tickCount: 4 } },
        },
      },
      {
        data: { values: [{ x: threshold }] },
        mark: { type: 'rule', color: '#111827', strokeDash: [4, 3] },
        encoding: { x },
      },
      {
        data: { values: [{ x: threshold, label: `threshold ${fixed(threshold, 4)}` }] },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, y: 2, fontSize: 10, color: '#111827' },
        encoding: { x, text: { field: 'label' } },
      },
    ],
  };
}

/**
 * Axis labels of a feature's PSI bins: `≤ a`, `a–b`, …, `> z`. Significant digits grow until
 * neighbouring edges print differently: `298.1–298.1` would say nothing, and bins of a nominal
 * axis with equal labels would be drawn as one.
 */
export function binLabels(bins: FeatureDrift['bins']): string[] {
  const edges = bins.slice(1).map((b) => b.lower!);
  let digits = 4;
  const distinct = (d: number): boolean => edges.every((e, k) => k === 0 || significant(e, d) !== significant(edges[k - 1], d));
  while (digits < 17 && !distinct(digits)) digits++;
  const show = (x: number): string => significant(x, digits);
  return bins.map(({ lower, upper }) => {
    if (lower === null && upper === null) return 'all';
    if (lower === null) return `≤ ${show(upper!)}`;
    if (upper === null) return `> ${show(lower)}`;
    return `${show(lower)}–${show(upper)}`;
  });
}

export interface DriftBinRow {
  readonly bin: string;
  readonly source: 'training' | 'batch';
  readonly share: number;
}

export function driftBinRows(feature: FeatureDrift): DriftBinRow[] {
  const labels = binLabels(feature.bins);
  return feature.bins.flatMap((b, k) => [
    { bin: labels[k], source: 'training' as const, share: b.reference },
    { bin: labels[k], source: 'batch' as const, share: b.batch },
  ]);
}

/** Training and batch share per PSI bin, side by side; the batch bars turn red when the feature drifted. */
export function featureDriftChart(feature: FeatureDrift): TopLevelSpec {
  return {
    config: CONFIG,
    data: { values: driftBinRows(feature) },
    width: 320,
    height: 150,
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'bin', type: 'nominal', sort: binLabels(feature.bins), title: 'bin (training deciles)', axis: { labelAngle: -35 } },
      xOffset: { field: 'source', type: 'nominal', sort: ['training', 'batch'] },
      y: { field: 'share', type: 'quantitative', title: 'share of rows', axis: { format: '.0%', tickCount: 4 } },
      color: {
        field: 'source',
        type: 'nominal',
        title: null,
        scale: { domain: ['training', 'batch'], range: [TRAINING, feature.drifted ? DRIFTED : BATCH] },
      },
    },
  };
}

/** Training and batch share per level of a categorical input; the batch bars turn red when it drifted. */
export function categoryDriftChart(category: CategoryDrift): TopLevelSpec {
  const levels = category.levels.map((l) => l.level);
  return {
    config: CONFIG,
    data: {
      values: category.levels.flatMap((l) => [
        { level: l.level, source: 'training', share: l.reference },
        { level: l.level, source: 'batch', share: l.batch },
      ]),
    },
    width: 320,
    height: 150,
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'level', type: 'nominal', sort: levels, title: 'level', axis: { labelAngle: 0 } },
      xOffset: { field: 'source', type: 'nominal', sort: ['training', 'batch'] },
      y: { field: 'share', type: 'quantitative', title: 'share of rows', axis: { format: '.0%', tickCount: 4 } },
      color: {
        field: 'source',
        type: 'nominal',
        title: null,
        scale: { domain: ['training', 'batch'], range: [TRAINING, category.drifted ? DRIFTED : BATCH] },
      },
    },
  };
}
