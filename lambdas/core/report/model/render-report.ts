import { chartSvg, renderPage } from '../page.ts';
import { errorCostSection } from './error-cost-section.ts';
import { hasImportanceSection, importanceSection } from './importance-section.ts';
import { reportChartSpecs } from './report-charts.ts';
import { reviewSection } from './review-section.ts';
import type { ReportData } from './report-data.ts';
import {
  calibrationSection,
  confusionSection,
  curvesSection,
  dataSection,
  distributionSection,
  candidatesSection,
  gateSection,
  headerSection,
  metricsSection,
  optimizerSection,
} from './sections.ts';

/**
 * One model version's report as a single self-contained HTML file (page.ts): charts rendered here
 * with Vega, one after another: Vega's rendering is synchronous work, nothing to overlap.
 */
export async function renderReport(data: ReportData): Promise<string> {
  const specs = reportChartSpecs(data);
  const roc = await chartSvg(specs.roc, 'roc');
  const precisionRecall = await chartSvg(specs.precisionRecall, 'pr');
  const confusion = await chartSvg(specs.confusion, 'confusion');
  const calibration = await chartSvg(specs.calibration, 'calibration');
  const scores = await chartSvg(specs.scores, 'scores');
  const uncertainty = await chartSvg(specs.uncertainty, 'uncertainty');
  const optimizer = specs.optimizer === null ? null : await chartSvg(specs.optimizer, 'optimizer');
  const relevance = specs.relevance === null ? null : await chartSvg(specs.relevance, 'relevance');
  const importance = await importanceSection(data, relevance);

  return renderPage({
    title: `Model ${data.version} — ${data.decision.promote ? 'promoted' : 'rejected'} — Prognos report`,
    header: headerSection(data),
    nav: [
      ['metrics', 'Metrics'],
      ['gate', 'Gate'],
      ['costs', 'Costs & budget'],
      ...(data.evaluation.candidates?.length ? ([['models', 'All models']] as const) : []),
      ['curves', 'ROC & precision-recall'],
      ['confusion', 'Confusion matrix'],
      ['calibration', 'Calibration'],
      ['distributions', 'Scores & uncertainty'],
      ['review', 'Review'],
      ...(hasImportanceSection(data) ? ([['importance', 'Inputs that matter']] as const) : []),
      ['training', 'Training'],
      ['data', 'Data'],
    ],
    sections: [
      metricsSection(data),
      gateSection(data),
      errorCostSection(data),
      candidatesSection(data),
      curvesSection(data, { roc, precisionRecall }),
      confusionSection(data, confusion),
      calibrationSection(calibration),
      distributionSection(data, scores, uncertainty),
      reviewSection(data),
      importance,
      optimizerSection(data, optimizer),
      dataSection(data),
    ],
  });
}
