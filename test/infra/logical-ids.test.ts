import { describe, expect, it } from 'vitest';
import { testApp } from './app.ts';

/**
 * The logical ids of what holds data or history: the resources CloudFormation keeps when a stack
 * goes (DeletionPolicy Retain: buckets, log groups, the alarm topic's key, the API's CloudWatch
 * role) and the Glue catalogue the lake is read through. A changed logical id makes CloudFormation
 * create a new resource and orphan the old one (or, for the Glue entries, delete it), so a refactor
 * that renames or moves a construct must fail here first. A deliberate change edits this list and
 * says in its commit message how the old resource is carried over (or that it may go).
 */
const PINNED: Readonly<Record<'data' | 'pipeline' | 'api' | 'monitoring', Readonly<Record<string, string>>>> = {
  data: {
    CatalogDatabaseE63956BB: 'AWS::Glue::Database',
    CatalogFeatureTable7A407861: 'AWS::Glue::Table',
    CatalogPredictionsTable1CA537A6: 'AWS::Glue::Table',
    AccessLogsBucketCD784A59: 'AWS::S3::Bucket',
    LakeBucketB1D32E10: 'AWS::S3::Bucket',
    LandingBucket6D60388F: 'AWS::S3::Bucket',
    ModelsBucket970C6ADA: 'AWS::S3::Bucket',
    QueryResultsBucket8914DAAE: 'AWS::S3::Bucket',
  },
  pipeline: {
    TrainingWorkflowLogsC6B75935: 'AWS::Logs::LogGroup',
    TrainingValidateAndIngestLogs8C141BED: 'AWS::Logs::LogGroup',
    TrainingBuildTrainingSetLogsD010E5B8: 'AWS::Logs::LogGroup',
    TrainingSplitAndScaleLogs73A1EDEC: 'AWS::Logs::LogGroup',
    TrainingTrainLogs3DCFB73C: 'AWS::Logs::LogGroup',
    TrainingTrainLogisticLogs5B85E0C0: 'AWS::Logs::LogGroup',
    TrainingTrainBoostingLogs744FAFE6: 'AWS::Logs::LogGroup',
    TrainingEvaluateLogsC31C3E93: 'AWS::Logs::LogGroup',
    TrainingGateLogs97376DD8: 'AWS::Logs::LogGroup',
    TrainingWriteReportLogs972E6BC0: 'AWS::Logs::LogGroup',
    TrainingPromoteLogsA1209AA2: 'AWS::Logs::LogGroup',
    TrainingRecordFailureLogsBF1B3307: 'AWS::Logs::LogGroup',
    TriggersStartTrainingLogsAD7A1EF5: 'AWS::Logs::LogGroup',
    BatchWorkflowLogs748818A8: 'AWS::Logs::LogGroup',
    BatchListNewFilesLogs1AA42F9E: 'AWS::Logs::LogGroup',
    BatchScoreFileLogs8113899A: 'AWS::Logs::LogGroup',
    BatchComputeDriftLogs89E40C53: 'AWS::Logs::LogGroup',
    BatchWriteBatchReportLogs3E349FEA: 'AWS::Logs::LogGroup',
    BatchStartRetrainLogsD97963A9: 'AWS::Logs::LogGroup',
    BatchRecordFailureLogsF1D8DCFD: 'AWS::Logs::LogGroup',
    BatchTriggersStartBatchLogs849F4DA8: 'AWS::Logs::LogGroup',
  },
  api: {
    PredictionAccessLogsC95A7DDE: 'AWS::Logs::LogGroup',
    PredictionPredictLogs26281ED1: 'AWS::Logs::LogGroup',
    PredictionApiAccountD6A6B279: 'AWS::ApiGateway::Account',
    PredictionApiCloudWatchRole1656D69D: 'AWS::IAM::Role',
  },
  monitoring: {
    TopicKeyB2E0C9CB: 'AWS::KMS::Key',
  },
};

type Resources = Record<string, { Type: string; DeletionPolicy?: string }>;
const kept = (r: { Type: string; DeletionPolicy?: string }) => r.DeletionPolicy === 'Retain' || r.Type.startsWith('AWS::Glue::');

describe('logical ids of the retained resources and the Glue catalogue', () => {
  const { templates } = testApp();

  it.each(Object.keys(PINNED) as (keyof typeof PINNED)[])('%s stack: each keeps its logical id, type and Retain policy', (stack) => {
    const resources = templates[stack].toJSON().Resources as Resources;
    for (const [id, type] of Object.entries(PINNED[stack])) {
      expect(resources[id], `${id} (${type}) is gone or renamed: CloudFormation would replace it`).toBeDefined();
      expect(resources[id].Type, id).toBe(type);
      if (!type.startsWith('AWS::Glue::')) expect(resources[id].DeletionPolicy, id).toBe('Retain');
    }
  });

  it.each(Object.keys(PINNED) as (keyof typeof PINNED)[])('%s stack: every retained resource is pinned', (stack) => {
    const resources = templates[stack].toJSON().Resources as Resources;
    const unpinned = Object.entries(resources)
      .filter(([id, r]) => kept(r) && PINNED[stack][id] === undefined)
      .map(([id, r]) => `${id}: '${r.Type}'`);
    expect(unpinned, 'new retained resources: add them to PINNED').toEqual([]);
  });
});
