import { CfnOutput, CrossStackReferences, Duration, ReferenceStrength, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { BatchInferencePipeline } from './batch-pipeline.ts';
import { acknowledge } from './nag.ts';
import type { PredictionApi } from './prediction-api.ts';
import { METRICS_NAMESPACE, type PrognosFunction } from './prognos-function.ts';
import { TRIGGERS_SERVICE } from './pipeline-triggers.ts';
import type { Workflow } from './workflow.ts';

export interface MonitoredWorkflow {
  readonly workflow: Workflow;
  /** Its Tasks' functions, for the step-duration and error graphs. */
  readonly functions: Readonly<Record<string, PrognosFunction>>;
}

export interface PrognosMonitoringStackProps extends StackProps {
  readonly stage: string;
  /** Subscribed to the alarm topic by e-mail (the address confirms once). @default - no subscription */
  readonly alarmEmail?: string;
  /** Workflows to alarm on and chart (training, batch inference). */
  readonly workflows: readonly MonitoredWorkflow[];
  /** Dead-letter queues whose messages mean an event was lost on the way to a run. */
  readonly deadLetterQueues: readonly sqs.IQueue[];
  readonly api: PredictionApi;
  /** Batch inference, for the drift alarm and graphs. @default - none */
  readonly batch?: BatchInferencePipeline;
}

/**
 * Watching Prognos: one SNS topic (KMS-encrypted, TLS-only) that receives every alarm and a
 * message per failed, timed-out or aborted run; the alarms (failed, timed-out and throttled
 * executions of each workflow, dead letters, API server errors and latency, batch drift); and one
 * dashboard with runs, durations, API latency and errors, predictions served and drift.
 *
 * Deployed last: it only reads the other stacks' resources (their metrics and ARNs).
 */
export class PrognosMonitoringStack extends Stack {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  readonly failedRunRules: events.Rule[] = [];
  readonly notificationDeadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: PrognosMonitoringStackProps) {
    super(scope, id, props);
    // It reads the state machine, queues, functions and API of the stacks before it through CDK's
    // own references: CloudFormation exports and imports (CDK's default, stated explicitly).
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    Tags.of(this).add('prognos:stage', props.stage);

    // CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key: a
    // customer-managed key whose policy lets CloudWatch and EventBridge use it, from this account.
    const key = new kms.Key(this, 'TopicKey', { enableKeyRotation: true, description: `Prognos ${props.stage}: alarm topic encryption` });
    for (const [sid, service] of [['AlarmsPublish', 'cloudwatch.amazonaws.com'], ['EventsPublish', 'events.amazonaws.com']]) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }
    this.topic = new sns.Topic(this, 'Alarms', { displayName: `Prognos ${props.stage} alarms`, masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const alarmAction = new actions.SnsAction(this.topic);

    const alarm = (id: string, metric: cloudwatch.IMetric, description: string, threshold = 1, evaluationPeriods = 1) => {
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(alarmAction);
      this.alarms.push(a);
      return a;
    };

    this.notificationDeadLetters = new sqs.Queue(this, 'NotificationDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.notificationDeadLetters,
      'SQS3',
      'This queue is itself a dead-letter queue: the EventBridge target of the failed-run rules sends it what it cannot deliver to SNS; cdk-nag only recognises queues named in an SQS redrive policy or a Lambda DeadLetterConfig.',
    );

    props.workflows.forEach(({ workflow }, i) => {
      const name = workflow.node.scope?.node.id ?? `Workflow${i}`;
      for (const m of workflow.alarmMetrics()) alarm(`${name}${m.id}`, m.metric, m.description);
      const rule = new events.Rule(this, `${name}RunFailed`, {
        description: `${workflow.description}: a run failed, timed out or was aborted`,
        eventPattern: {
          source: ['aws.states'],
          detailType: ['Step Functions Execution Status Change'],
          detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [workflow.stateMachine.stateMachineArn] },
        },
        targets: [
          new targets.SnsTopic(this.topic, {
            message: events.RuleTargetInput.fromText(
              `${workflow.description}: run ${events.EventField.fromPath('$.detail.name')} ended ${events.EventField.fromPath('$.detail.status')} at ${events.EventField.fromPath('$.detail.stopDate')}. Execution: ${events.EventField.fromPath('$.detail.executionArn')}`,
            ),
            deadLetterQueue: this.notificationDeadLetters,
            maxEventAge: Duration.hours(2),
            retryAttempts: 8,
          }),
        ],
      });
      this.failedRunRules.push(rule);
    });

    [...props.deadLetterQueues, this.notificationDeadLetters].forEach((queue, i) =>
      alarm(
        i < props.deadLetterQueues.length ? `DeadLetters${i}Waiting` : 'NotificationDeadLettersWaiting',
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
        'Events are waiting in a dead-letter queue: an upload or schedule did not start a run, or a failure notice was lost',
      ),
    );

    const stage = props.api.api.deploymentStage;
    alarm('ApiServerErrors', stage.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }), 'The prediction API answered 5XX', 5);
    alarm(
      'ApiLatency',
      stage.metricLatency({ period: Duration.minutes(5), statistic: cloudwatch.Stats.percentile(90) }),
      'The prediction API is slow: p90 latency of 5 s or more for 15 minutes',
      5000,
      3,
    );

    if (props.batch) {
      // The day's maximum of ComputeDrift's 0/1: one notice for the first drifted batch of a day,
      // back to OK after a day without drift (no batch, no data: not breaching).
      alarm(
        'BatchDriftDetected',
        props.batch.metricDrift('DriftDetected'),
        "A batch drifted from the champion's training data (PSI, KS or uncertainty above its threshold): see lake/batches/<batch>/drift.json and the batch report under lake/predictions/reports/",
      );
    }

    this.dashboard = this.buildDashboard(props);
    new CfnOutput(this, 'AlarmTopicArn', { value: this.topic.topicArn, description: 'Alarms and failed runs' });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboardName });
  }

  private buildDashboard(props: PrognosMonitoringStackProps): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `Prognos-${props.stage}`,
      defaultInterval: Duration.days(7),
    });
    const period = Duration.hours(1);
    for (const { workflow, functions } of props.workflows) {
      const sm = workflow.stateMachine;
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${workflow.description}: runs`,
          left: [sm.metricStarted({ period }), sm.metricSucceeded({ period }), sm.metricFailed({ period }), sm.metricTimedOut({ period }), sm.metricThrottled({ period })],
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: `${workflow.description}: run duration (ms)`,
          left: [sm.metricTime({ period, statistic: cloudwatch.Stats.AVERAGE }), sm.metricTime({ period, statistic: cloudwatch.Stats.MAXIMUM })],
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: `${workflow.description}: step errors`,
          left: Object.entries(functions).map(([step, fn]) => fn.function.metricErrors({ period, label: step })),
          width: 8,
        }),
      );
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${workflow.description}: step duration, p90 (ms)`,
          left: Object.entries(functions).map(([step, fn]) => fn.function.metricDuration({ period, statistic: cloudwatch.Stats.percentile(90), label: step })),
          width: 24,
        }),
      );
    }
    const stage = props.api.api.deploymentStage;
    const fiveMinutes = Duration.minutes(5);
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Prediction API latency (ms)',
        left: [50, 90, 99].map((p) => stage.metricLatency({ period: fiveMinutes, statistic: cloudwatch.Stats.percentile(p), label: `p${p}` })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Prediction API requests and errors',
        left: [stage.metricCount({ period: fiveMinutes, label: 'requests' })],
        right: [stage.metricClientError({ period: fiveMinutes, label: '4XX' }), stage.metricServerError({ period: fiveMinutes, label: '5XX' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Predictions served',
        left: [props.api.metricPredictionsServed()],
        width: 8,
      }),
    );
    if (props.batch) {
      const hourly = { period, statistic: cloudwatch.Stats.MAXIMUM };
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Batch drift: verdict, drifted features, retrains requested (hourly maximum)',
          left: [
            props.batch.metricDrift('DriftDetected', { ...hourly, label: 'drift detected (0/1)' }),
            props.batch.metricDrift('DriftedFeatures', { ...hourly, label: 'drifted features' }),
            props.batch.metricDrift('DriftRetrainRequested', { ...hourly, label: 'retrain requested (0/1)' }),
          ],
          right: [props.batch.metricDrift('LatentVarianceShift', { ...hourly, label: 'uncertainty shift' })],
          width: 8,
        }),
        new cloudwatch.GraphWidget({ title: 'Batch drift: PSI per feature', left: [props.batch.metricFeatureDrift('FeaturePsi', period)], width: 8 }),
        new cloudwatch.GraphWidget({ title: 'Batch drift: KS per feature', left: [props.batch.metricFeatureDrift('FeatureKs', period)], width: 8 }),
      );
    }
    const started = (metricName: string, label: string) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: TRIGGERS_SERVICE }, statistic: cloudwatch.Stats.SUM, period, label });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Runs started by uploads and schedules',
        left: [started('TrainingRunsStarted', 'training'), ...(props.batch ? [started('BatchRunsStarted', 'batch inference')] : [])],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
    );
    return dashboard;
  }
}
