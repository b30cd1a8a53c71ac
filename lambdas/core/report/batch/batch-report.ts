import { categoryDriftChart, featureDriftChart, scoreHistogramChart } from './batch-charts.ts';
import type { BatchReportData } from './batch-report-data.ts';
import { batchHeaderSection, driftSection, filesSection, outcomesSection, scoresSection } from './batch-sections.ts';
import { BATCH_STYLES } from './batch-styles.ts';
import { realisedSection } from './realised-section.ts';
import { workListSection } from './work-list-section.ts';
import type { SafeHtml } from '../html.ts';
import { chartSvg, renderPage } from '../page.ts';

/**
 * One batch's report as a single self-contained HTML file (page.ts): what the model said about the
 * batch, and whether the batch still looks like the training data.
 */
export async function renderBatchReport(data: BatchReportData): Promise<string> {
  const scored = data.counts.rowsScored > 0 && data.scores.counts.some((c) => c > 0);
  const scores = scored ? await chartSvg(scoreHistogramChart(data.scores, data.threshold), 'scores') : null;
  const features: SafeHtml[] = [];
  // Scoped by position, not name: ids stay valid whatever the feature is called.
  for (const [j, feature] of (data.drift?.report.features ?? []).entries()) features.push(await chartSvg(featureDriftChart(feature), `drift-${j}`));
  const categories: SafeHtml[] = [];
  for (const [j, category] of (data.drift?.report.categories ?? []).entries()) categories.push(await chartSvg(categoryDriftChart(category), `drift-category-${j}`));

  const verdict = data.drift === null ? 'drift not checked' : !data.drift.report.enoughRows ? 'too few rows for drift' : data.drift.report.drifted ? 'drift detected' : 'no drift';
  return renderPage({
    title: `Batch ${data.batchName} — ${verdict} — Prognos batch report`,
    extraStyles: BATCH_STYLES,
    header: batchHeaderSection(data),
    nav: [
      ['outcomes', 'Outcomes'],
      ['work-list', 'Work list'],
      ['realised', 'Realised'],
      ['scores', 'Scores'],
      ['drift', 'Drift'],
      ['files', 'Files'],
    ],
    sections: [outcomesSection(data), workListSection(data), realisedSection(data), scoresSection(data, scores), driftSection(data, { features, categories }), filesSection(data)],
  });
}
