import { z } from 'zod';
import type { DecisionRecord } from '../registry/decision-record.ts';
import { readJson, versionKey } from '../registry/model-store.ts';
import type { DataSummary, Evaluation, ReportData } from '../report/model/report-data.ts';
import { renderReport } from '../report/model/render-report.ts';
import type { StepContext } from './context.ts';
import { evaluationResultSchema } from './evaluate.ts';
import { gateResultSchema } from './gate.ts';
import { ingestResultSchema } from './ingest.ts';
import { parseStepInput, runInputSchema } from './run-state.ts';
import { splitResultSchema } from './split-and-scale.ts';
import { type TrainingRecord, trainResultSchema } from './train.ts';
import { trainingSetResultSchema } from './training-set.ts';

/**
 * WriteReport: the run's one-file HTML report, promoted or not, in the folder of the model the gate
 * judged (`models/<challenger>/report.html`, beside its evaluation and decision). The training
 * section is the GP's: its record is the one with an optimiser to show.
 */

export const reportResultSchema = z.object({ key: z.string() });
export type ReportResult = z.infer<typeof reportResultSchema>;

export async function writeReport(input: unknown, context: StepContext): Promise<ReportResult> {
  const run = parseStepInput(
    'WriteReport',
    runInputSchema.extend({
      ingest: z.array(ingestResultSchema).default([]),
      trainingSet: trainingSetResultSchema,
      split: splitResultSchema,
      train: trainResultSchema,
      evaluation: evaluationResultSchema,
      gate: gateResultSchema,
    }),
    input,
  );
  const { version } = run.evaluation.challenger;
  const training = (await readJson(context.store, run.train.trainingKey)) as TrainingRecord;
  const evaluation = (await readJson(context.store, run.evaluation.key)) as Evaluation;
  const decision = (await readJson(context.store, run.gate.key)) as DecisionRecord;
  const data: DataSummary = {
    files: run.ingest.map(({ key, status, rowsRead, rowsValid, rowsQuarantined }) => ({ key, status, rowsRead, rowsValid, rowsQuarantined })),
    window: run.trainingSet.window,
    trainingSetRows: run.trainingSet.rows,
    ...(run.trainingSet.accounting === undefined ? {} : { accounting: run.trainingSet.accounting }),
    ...(run.trainingSet.dataRange === undefined ? {} : { dataRange: run.trainingSet.dataRange }),
    trainRows: run.split.trainRows,
    holdoutRows: run.split.holdoutRows,
    trainPositives: run.split.trainPositives,
    holdoutPositives: run.split.holdoutPositives,
    ...(run.split.holdoutRowsAvailable === undefined ? {} : { holdoutRowsAvailable: run.split.holdoutRowsAvailable }),
    ...(training.model === undefined ? {} : { fitted: { model: training.model, rows: training.trainRows, reason: training.modelReason, rounds: training.rounds } }),
  };
  const report: ReportData = {
    version,
    runName: run.runName,
    createdAt: context.now().toISOString(),
    contractName: training.contract.name,
    featureNames: training.featureNames,
    data,
    training,
    evaluation,
    decision,
    ...(run.config.costs === undefined ? {} : { costs: run.config.costs }),
  };
  const key = versionKey(version, 'report.html');
  await context.store.put(key, await renderReport(report), { contentType: 'text/html; charset=utf-8' });
  context.progress({ kind: 'message', text: `report: ${key}` });
  return { key };
}

