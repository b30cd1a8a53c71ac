import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { logicalId, properties, STAGE, testApp, type TemplateJson } from './app.ts';

const app = testApp({ alarmEmail: 'ops@example.com' });
const template = app.templates.monitoring;
const monitoring = app.monitoring;
const topic = logicalId(monitoring.topic);
const alarms: Record<string, TemplateJson>[] = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([id, r]) => ({
  id,
  ...(r as { Properties: Record<string, TemplateJson> }).Properties,
}));

describe('monitoring', () => {
  it('one SNS topic, encrypted with a rotated customer key that CloudWatch and EventBridge may use, TLS only, e-mail subscribed', () => {
    const key = (properties(template, topic) as { KmsMasterKeyId: { 'Fn::GetAtt': [string, string] } }).KmsMasterKeyId['Fn::GetAtt'][0];
    const keyProps = properties(template, key) as { EnableKeyRotation: boolean; KeyPolicy: { Statement: Record<string, TemplateJson>[] } };
    expect(keyProps.EnableKeyRotation).toBe(true);
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      expect(keyProps.KeyPolicy.Statement).toContainEqual(
        expect.objectContaining({ Principal: { Service: service }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Effect: 'Allow' }),
      );
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topic } });
    testApp().templates.monitoring.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it.each([
    ['Training', 'ExecutionsFailed', 'ExecutionsFailed'],
    ['Training', 'ExecutionsTimedOut', 'ExecutionsTimedOut'],
    ['Training', 'ExecutionsThrottled', 'ExecutionThrottled'],
    ['Batch', 'ExecutionsFailed', 'ExecutionsFailed'],
    ['Batch', 'ExecutionsTimedOut', 'ExecutionsTimedOut'],
    ['Batch', 'ExecutionsThrottled', 'ExecutionThrottled'],
  ])('alarms on %s %s of its state machine, to the topic', (workflow, id, metric) => {
    const alarm = alarms.find((a) => a.id.startsWith(`${workflow}${id}`));
    expect(alarm, metric).toBeDefined();
    expect(alarm).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: metric,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
    });
    expect(JSON.stringify(alarm!.Dimensions)).toContain(`${workflow}WorkflowStateMachine`);
  });

  it('alarms when a batch drifted: the daily maximum of DriftDetected (namespace Prognos, service prognos-batch) reaches 1', () => {
    const drift = alarms.filter((a) => a.MetricName === 'DriftDetected');
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({
      Namespace: 'Prognos',
      Dimensions: [{ Name: 'service', Value: 'prognos-batch' }],
      Statistic: 'Maximum',
      Period: 86400,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
      AlarmDescription: expect.stringContaining('drift.json'),
    });
    expect(drift[0].id).toMatch(/^BatchDriftDetected/);
  });

  it('alarms on dead letters and on API server errors and latency', () => {
    const byMetric = (name: string) => alarms.filter((a) => a.MetricName === name);
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(3); // training and batch triggers, failed-run notices
    expect(byMetric('5XXError')).toHaveLength(1);
    expect(byMetric('Latency')).toHaveLength(1);
    for (const a of alarms) expect(a.AlarmActions, a.id).toEqual([{ Ref: topic }]);
    expect(alarms).toHaveLength(12); // 3 per workflow, 3 dead-letter queues, 2 API, drift
  });

  it.each([
    [0, 'Training'],
    [1, 'Batch'],
  ])('a failed, timed-out or aborted run of workflow %i (%s) is announced on the topic, with a DLQ and retry limits', (i, workflow) => {
    expect(monitoring.failedRunRules).toHaveLength(2);
    const rule = properties(template, logicalId(monitoring.failedRunRules[i])) as { EventPattern: Record<string, TemplateJson>; Targets: Record<string, TemplateJson>[] };
    expect(rule.EventPattern).toMatchObject({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    expect(JSON.stringify(rule.EventPattern.detail.stateMachineArn)).toContain(`${workflow}WorkflowStateMachine`);
    expect(rule.Targets[0]).toMatchObject({
      Arn: { Ref: topic },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(monitoring.notificationDeadLetters), 'Arn'] } },
      RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
      InputTransformer: expect.objectContaining({ InputTemplate: expect.stringContaining('<detail-name>') }),
    });
    expect(properties(template, logicalId(monitoring.notificationDeadLetters))).toMatchObject({ SqsManagedSseEnabled: true });
  });

  it('the dashboard shows runs, durations, API latency and errors, predictions served, and batch runs and drift', () => {
    const dashboard = properties(template, logicalId(monitoring.dashboard)) as { DashboardName: string; DashboardBody: unknown };
    expect(dashboard.DashboardName).toBe(`Prognos-${STAGE}`);
    const body = JSON.stringify(dashboard.DashboardBody);
    for (const text of [
      'Prognos training: runs',
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionTime',
      'step duration',
      'Duration',
      'Prediction API latency',
      'Latency',
      '5XXError',
      '4XXError',
      'Predictions served',
      '\\"Prognos\\",\\"PredictionsServed\\",\\"service\\",\\"prognos-api\\"',
      'TrainingRunsStarted',
      'Prognos batch inference: runs',
      'Prognos batch inference: step duration',
      'BatchRunsStarted',
      'Batch drift',
      '\\"Prognos\\",\\"DriftDetected\\",\\"service\\",\\"prognos-batch\\"',
      'DriftedFeatures',
      'DriftRetrainRequested',
      'LatentVarianceShift',
    ]) {
      expect(body, text).toContain(text);
    }
    // Per-feature PSI and KS: every Feature that has reported, found by a SEARCH expression.
    const plain = body.replace(/\\+"/g, '"');
    for (const metric of ['FeaturePsi', 'FeatureKs']) {
      expect(plain).toContain(`SEARCH('{Prognos,Feature,service} MetricName="${metric}" service="prognos-batch"', 'Maximum', 3600)`);
    }
  });
});
