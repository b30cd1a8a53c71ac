import type { Config, TopLevelSpec } from 'vega-lite';
import { fixed } from '../format.ts';
import type {
  CalibrationRow,
  ClassName,
  ConfusionCell,
  CurveRow,
  HoldoutRow,
  ModelRole,
  OperatingPointRow,
  TraceRow,
} from './chart-data.ts';

/**
 * One Vega-Lite spec per chart of the report. Pure layout: the rows come from chart-data.ts.
 * Sizes are fixed because the charts are rendered headless to SVG (which then scales with CSS).
 */

/**
 * A generic family keeps the SVG small (Vega repeats it on every text element); the page's
 * stylesheet, which wins over SVG presentation attributes, sets the real system-font stack.
 */
const FONT = 'sans-serif';

export const CONFIG: Config = {
  font: FONT,
  background: 'white',
  // Per-mark ARIA labels would add a label to every point; the page captions each chart instead.
  aria: false,
  view: { stroke: '#d1d5db' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eef0f3', labelFlush: false },
  legend: { orient: 'bottom', labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal' },
  header: { labelFontSize: 12, titleFontSize: 12 },
};

// Building-block types, derived from the public TopLevelSpec so no internal Vega-Lite path is imported.
type LayerChild = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];
type UnitLayer = Extract<LayerChild, { mark: unknown }>;
type Encoding = NonNullable<UnitLayer['encoding']>;
type PositionDef = NonNullable<Encoding['x']>;
type ChannelDef = NonNullable<Encoding['color']>;
type DashDef = NonNullable<Encoding['strokeDash']>;

const SIZE = 300;

const MODEL_COLORS: Readonly<Record<ModelRole, string>> = { challenger: '#1d4ed8', champion: '#ea580c' };
const CLASS_COLORS: Readonly<Record<ClassName, string>> = { 'needs maintenance': '#dc2626', healthy: '#0f766e' };
const CLASSES: readonly ClassName[] = ['needs maintenance', 'healthy'];
const REFERENCE = '#9ca3af';

function modelsIn(rows: readonly { readonly model: ModelRole }[]): ModelRole[] {
  return (['challenger', 'champion'] as const).filter((role) => rows.some((r) => r.model === role));
}

function modelColor(models: readonly ModelRole[]): ChannelDef {
  return {
    field: 'model',
    type: 'nominal',
    title: 'model',
    scale: { domain: [...models], range: models.map((m) => MODEL_COLORS[m]) },
  };
}

function classColor(): ChannelDef {
  return {
    field: 'class',
    type: 'nominal',
    title: 'true class',
    scale: { domain: [...CLASSES], range: CLASSES.map((c) => CLASS_COLORS[c]) },
  };
}

/** The champion dashed, so the two models stay apart in grey-scale print too. */
function modelDash(models: readonly ModelRole[]): DashDef {
  return {
    field: 'model',
    type: 'nominal',
    title: 'model',
    scale: { domain: [...models], range: models.map((m) => (m === 'champion' ? [6, 3] : [1, 0])) },
  };
}

function unitAxis(field: string, title: string): PositionDef {
  return { field, type: 'quantitative', title, scale: { domain: [0, 1] }, axis: { format: '.1f' } };
}

/** Two layers every curve chart shares: the curves and each model's operating point. */
function curveLayers(curves: readonly CurveRow[], points: readonly OperatingPointRow[], xTitle: string, yTitle: string): LayerChild[] {
  const models = modelsIn(curves);
  const x = unitAxis('x', xTitle);
  const y = unitAxis('y', yTitle);
  return [
    {
      data: { values: [...curves] },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: { x, y, order: { field: 'order', type: 'quantitative' }, color: modelColor(models), strokeDash: modelDash(models) },
    },
    {
      data: { values: [...points] },
      mark: { type: 'point', filled: true, size: 90, opacity: 1, stroke: 'white', strokeWidth: 1.5 },
      encoding: { x, y, color: modelColor(models) },
    },
  ];
}

/** ROC curve per model, the chance diagonal, and each model's operating point. */
export function rocChart(curves: readonly CurveRow[], points: readonly OperatingPointRow[]): TopLevelSpec {
  return {
    config: CONFIG,
    width: SIZE,
    height: SIZE,
    layer: [
      {
        data: { values: [{ x: 0, y: 0, x2: 1, y2: 1 }] },
        mark: { type: 'rule', color: REFERENCE, strokeDash: [4, 4] },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          x2: { field: 'x2' },
          y2: { field: 'y2' },
        },
      },
      ...curveLayers(curves, points, 'false alarm rate (healthy flagged)', 'recall (failures caught)'),
    ],
  };
}

/**
 * Precision-recall curve per model, the target recall as a vertical rule, the prevalence (the
 * precision of flagging at random: the baseline a curve must beat) as a horizontal one, and the
 * operating points.
 */
export function precisionRecallChart(
  curves: readonly CurveRow[],
  points: readonly OperatingPointRow[],
  targetRecall: number,
  prevalence: number,
): TopLevelSpec {
  return {
    config: CONFIG,
    width: SIZE,
    height: SIZE,
    layer: [
      {
        data: { values: [{ y: prevalence }] },
        mark: { type: 'rule', color: REFERENCE, strokeDash: [2, 3] },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: [{ x: 0, y: prevalence, label: `prevalence ${fixed(prevalence, 3)} (flagging at random)` }] },
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -3, color: '#6b7280', fontSize: 10 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
      },
      {
        data: { values: [{ x: targetRecall }] },
        mark: { type: 'rule', color: REFERENCE, strokeDash: [4, 4] },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      },
      {
        data: { values: [{ x: targetRecall, y: 0, label: `target recall ${fixed(targetRecall, 2)}` }] },
        mark: { type: 'text', align: 'right', baseline: 'bottom', dx: -4, dy: -4, color: '#6b7280', fontSize: 10 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
      },
      ...curveLayers(curves, points, 'recall (failures caught)', 'precision (flags that are right)'),
    ],
  };
}

/** 2×2 heatmap per model: counts, coloured by the share of the actual class. */
export function confusionChart(cells: readonly ConfusionCell[]): TopLevelSpec {
  const axis = (field: string, title: string): PositionDef => ({
    field,
    type: 'nominal',
    title,
    sort: [...CLASSES],
    axis: { labelAngle: 0, ticks: false, domain: false },
  });
  return {
    config: CONFIG,
    data: { values: [...cells] },
    transform: [
      { calculate: "format(datum.shareOfActual, '.1%') + ' of actual'", as: 'shareLabel' },
      { calculate: 'datum.shareOfActual > 0.55', as: 'dark' },
    ],
    facet: { column: { field: 'model', type: 'nominal', title: null, sort: ['challenger', 'champion'] } },
    spec: {
      width: 240,
      height: 200,
      encoding: { x: axis('predicted', 'predicted'), y: axis('actual', 'actual') },
      layer: [
        {
          mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
          encoding: {
            color: {
              field: 'shareOfActual',
              type: 'quantitative',
              title: 'share of actual',
              scale: { domain: [0, 1], scheme: 'blues' },
              legend: { format: '.0%', orient: 'right' },
            },
          },
        },
        {
          mark: { type: 'text', fontSize: 18, fontWeight: 'bold', dy: -8 },
          encoding: {
            text: { field: 'count', type: 'quantitative', format: ',d' },
            color: { condition: { test: 'datum.dark', value: 'white' }, value: '#111827' },
          },
        },
        {
          mark: { type: 'text', fontSize: 11, dy: 12 },
          encoding: {
            text: { field: 'shareLabel' },
            color: { condition: { test: 'datum.dark', value: 'white' }, value: '#374151' },
          },
        },
      ],
    },
  };
}

/**
 * Reliability diagram per model against the diagonal of perfect calibration; point size = rows in
 * the bin. The bins hold equal numbers of rows (quantile bins) and both axes are on a square-root
 * scale, so the low probabilities where most rows and the threshold lie are spread out.
 */
export function calibrationChart(rows: readonly CalibrationRow[], threshold?: { readonly value: number; readonly label: string }): TopLevelSpec {
  const models = modelsIn(rows);
  const sqrtAxis = (field: string, title: string): PositionDef => ({ field, type: 'quantitative', title, scale: { type: 'sqrt', domain: [0, 1] }, axis: { values: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1], format: '.2~f' } });
  const x = sqrtAxis('meanPredicted', 'mean predicted probability (square-root scale)');
  const y = sqrtAxis('fractionPositive', 'observed share needing maintenance');
  const thresholdLayers: LayerChild[] =
    threshold === undefined
      ? []
      : [
          { data: { values: [{ meanPredicted: threshold.value }] }, mark: { type: 'rule', color: '#111827', strokeDash: [4, 3] }, encoding: { x } },
          {
            data: { values: [{ meanPredicted: threshold.value, fractionPositive: 1, label: threshold.label }] },
            mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 2, fontSize: 10, color: '#111827' },
            encoding: { x, y, text: { field: 'label' } },
          },
        ];
  return {
    config: CONFIG,
    width: SIZE,
    height: SIZE,
    layer: [
      {
        data: { values: [{ meanPredicted: 0, fractionPositive: 0, x2: 1, y2: 1 }] },
        mark: { type: 'rule', color: REFERENCE, strokeDash: [4, 4] },
        encoding: { x, y, x2: { field: 'x2' }, y2: { field: 'y2' } },
      },
      ...thresholdLayers,
      {
        data: { values: [...rows] },
        encoding: { x, y, color: modelColor(models) },
        layer: [
          { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { strokeDash: modelDash(models) } },
          {
            mark: { type: 'point', filled: true, opacity: 0.9 },
            encoding: { size: { field: 'count', type: 'quantitative', title: 'rows in bin', scale: { type: 'sqrt', range: [20, 300] } } },
          },
        ],
      },
    ],
  };
}

/**
 * Histogram of one per-row value, one panel per true class, as the share of that class's rows
 * with its own y scale: the classes differ ~30-fold in size, so shared counts would flatten the
 * rare "needs maintenance" rows.
 */
function classHistogram(
  rows: readonly HoldoutRow[],
  field: 'probability' | 'latentStd',
  bin: { readonly step: number; readonly extent: [number, number] } | { readonly maxbins: number },
  xTitle: string,
  rule?: { readonly value: number; readonly label: string },
  logScale = false,
): TopLevelSpec {
  // On a log scale the bins are over log10 of the value (floored at 10⁻⁴); the axis labels the value itself.
  const binned = logScale ? 'log10Value' : field;
  const axis = logScale ? { labelExpr: "format(pow(10, datum.value), '.1~g')", values: [-4, -3, -2, -1, 0] } : undefined;
  const layers: LayerChild[] = [
    {
      mark: { type: 'bar', binSpacing: 1, opacity: 0.85 },
      encoding: {
        x: { field: 'binStart', type: 'quantitative', bin: { binned: true }, title: xTitle, ...(axis ? { axis } : {}) },
        x2: { field: 'binEnd' },
        y: { field: 'share', type: 'quantitative', title: 'share of class', axis: { format: '.0%', tickCount: 4 } },
        color: { ...classColor(), legend: null },
      },
    },
  ];
  if (rule) {
    layers.push({
      // One row per class, so each panel draws the rule once (not once per bar).
      transform: [{ aggregate: [{ op: 'count', as: 'bars' }], groupby: ['class'] }],
      layer: [
        { mark: { type: 'rule', color: '#111827', strokeDash: [4, 3] }, encoding: { x: { datum: logScale ? Math.log10(Math.max(rule.value, 1e-4)) : rule.value } } },
        {
          mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, y: 2, fontSize: 10, color: '#111827', text: rule.label },
          encoding: { x: { datum: logScale ? Math.log10(Math.max(rule.value, 1e-4)) : rule.value } },
        },
      ],
    });
  }
  return {
    config: CONFIG,
    data: { values: [...rows] },
    transform: [
      ...(logScale ? [{ calculate: `log(max(datum.${field}, 0.0001)) / LN10`, as: 'log10Value' }] : []),
      { bin: { ...bin }, field: binned, as: ['binStart', 'binEnd'] },
      { aggregate: [{ op: 'count', as: 'count' }], groupby: ['binStart', 'binEnd', 'class'] },
      { joinaggregate: [{ op: 'sum', field: 'count', as: 'classTotal' }], groupby: ['class'] },
      { calculate: 'datum.count / datum.classTotal', as: 'share' },
    ],
    facet: {
      row: {
        field: 'class',
        type: 'nominal',
        title: null,
        sort: [...CLASSES],
        header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelFontWeight: 'bold' },
      },
    },
    resolve: { scale: { y: 'independent' } },
    spec: { width: 2 * SIZE, height: 120, layer: layers },
  };
}

/**
 * The challenger's P(needs maintenance) per true class, with its threshold as a rule, on a log
 * scale: most healthy rows score under 0.05 and the threshold (about 0.08 on AI4I) lies among
 * them, which linear 0.05-wide bins would put in one or two bars.
 */
export function scoreDistributionChart(rows: readonly HoldoutRow[], threshold: number, thresholdLabel: string): TopLevelSpec {
  return classHistogram(rows, 'probability', { step: 0.2, extent: [-4, 0] }, 'P(needs maintenance), log scale', { value: threshold, label: thresholdLabel }, true);
}

/** The challenger's latent standard deviation per true class: where the model is unsure. */
export function uncertaintyChart(rows: readonly HoldoutRow[]): TopLevelSpec {
  // A model without uncertainty has no latent sd: its rows are left out, not drawn at 0.
  return classHistogram(rows.filter((r) => r.latentStd !== null), 'latentStd', { maxbins: 30 }, 'latent standard deviation (model uncertainty)');
}

/** The fit's objective (log marginal likelihood or ELBO) per accepted optimiser step: one line per start, one panel per stage. */
export function optimizerChart(rows: readonly TraceRow[], objective: string): TopLevelSpec {
  const stages = [...new Set(rows.map((r) => r.stage))];
  return {
    config: CONFIG,
    data: { values: [...rows] },
    facet: { column: { field: 'stage', type: 'nominal', title: null, sort: stages } },
    // The stages sum over different row counts, so each panel gets its own scales.
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 280,
      height: 220,
      mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'iteration', type: 'quantitative', title: 'iteration', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'logMarginalLikelihood', type: 'quantitative', title: objective, scale: { zero: false } },
        color: { field: 'start', type: 'nominal', title: 'optimiser start', scale: { scheme: 'tableau10' } },
      },
    },
  };
}

/** Relevance 1/ℓ per model input, longest bar first: which inputs the kernel uses. */
export function relevanceChart(rows: readonly { readonly input: string; readonly relevance: number }[]): TopLevelSpec {
  return {
    config: CONFIG,
    data: { values: [...rows] },
    width: 360,
    height: { step: 18 },
    mark: { type: 'bar', color: '#4c78a8' },
    encoding: {
      y: { field: 'input', type: 'nominal', title: null, sort: '-x' },
      x: { field: 'relevance', type: 'quantitative', title: 'relevance 1/length scale (per sd of the input)' },
      tooltip: [{ field: 'input' }, { field: 'relevance', format: '.3g' }],
    },
  };
}
