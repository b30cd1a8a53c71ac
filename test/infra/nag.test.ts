import * as s3 from 'aws-cdk-lib/aws-s3';
import { Validations } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { STAGE, synthWithNag } from './app.ts';

const P = `Prognos-${STAGE}`;
const s3Arn = (bucket: string, key: string) => `arn:<AWS::Partition>:s3:::${P}:${bucket}Bucket/${key}`;
const policy = (fn: string) => `${P}-Pipeline/Training/${fn}/Role/DefaultPolicy/Resource`;
const batchPolicy = (fn: string) => `${P}-Pipeline/Batch/${fn}/Role/DefaultPolicy/Resource`;
const batchExecutions = (separator: '/' | ':') => `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${P}-BatchInference${separator}*`;
const iam5 = (resource: string, path: string) => `AwsSolutions-IAM5[Resource::${resource}] @ ${path}`;

/**
 * Every cdk-nag finding the default deployment accepts, as `<rule> @ <construct path>`. Adding
 * one means adding it here, so a reviewer sees it; each sits on the flagged resource itself and
 * carries a reason (the reasons are in the code next to each acknowledgement).
 */
const EXPECTED_ACKNOWLEDGEMENTS: string[] = [
  // X-Ray's two write actions take no resource: one shared managed policy per stack.
  iam5('*', `${P}-Pipeline/XRay/Policy/Resource`),
  iam5('*', `${P}-Api/XRay/Policy/Resource`),
  // CDK's log-delivery and X-Ray statements for each state machine (no resource-level permissions).
  iam5('*', `${P}-Pipeline/Training/Workflow/StateMachine/Role/DefaultPolicy/Resource`),
  iam5('*', `${P}-Pipeline/Batch/Workflow/StateMachine/Role/DefaultPolicy/Resource`),
  // The batch Distributed Map describes and stops its child executions, whose names are generated.
  iam5(batchExecutions('/'), `${P}-Pipeline/Batch/Workflow/StateMachine/Role/DefaultPolicy/Resource`),
  iam5(batchExecutions(':'), `${P}-Pipeline/Batch/Workflow/StateMachine/Role/DefaultPolicy/Resource`),
  // Its ResultWriter names the result files by the Map Run's id.
  iam5(s3Arn('Lake', 'lake/map-results/*'), `${P}-Pipeline/Batch/Workflow/StateMachine/Role/DefaultPolicy/Resource`),
  iam5(s3Arn('Lake', 'lake/batches/*/manifest.json'), `${P}-Pipeline/Batch/Workflow/StateMachine/Role/DefaultPolicy/Resource`),
  // S3 key prefixes, one per grant (prefix/*): what each step reads and writes.
  iam5(s3Arn('Landing', 'landing/training/*'), policy('ValidateAndIngest')),
  iam5(s3Arn('Lake', 'lake/ingested/*'), policy('ValidateAndIngest')),
  iam5(s3Arn('Lake', 'lake/features/*'), policy('ValidateAndIngest')),
  iam5(s3Arn('Lake', 'lake/quarantine/*'), policy('ValidateAndIngest')),
  iam5(s3Arn('Lake', 'lake/features/*'), policy('BuildTrainingSet')),
  iam5(s3Arn('QueryResults', 'results/*'), policy('BuildTrainingSet')),
  iam5(s3Arn('Lake', 'lake/training-sets/*'), policy('BuildTrainingSet')),
  iam5(s3Arn('Lake', 'lake/training-sets/*'), policy('SplitAndScale')),
  iam5(s3Arn('Lake', 'lake/training-sets/*'), policy('Train')),
  iam5(s3Arn('Models', 'models/*'), policy('Train')),
  iam5(s3Arn('Lake', 'lake/runs/*'), policy('Train')),
  // Each challenger reads the run's split and writes its own version (models/<version>/…).
  iam5(s3Arn('Lake', 'lake/training-sets/*'), policy('TrainLogistic')),
  iam5(s3Arn('Models', 'models/*'), policy('TrainLogistic')),
  iam5(s3Arn('Lake', 'lake/training-sets/*'), policy('TrainBoosting')),
  iam5(s3Arn('Models', 'models/*'), policy('TrainBoosting')),
  iam5(s3Arn('Lake', 'lake/training-sets/*'), policy('Evaluate')),
  iam5(s3Arn('Models', 'models/*'), policy('Evaluate')),
  iam5(s3Arn('Models', 'models/*'), policy('Gate')),
  iam5(s3Arn('Models', 'models/*'), policy('WriteReport')),
  iam5(s3Arn('Models', 'models/*'), policy('Promote')),
  iam5(s3Arn('Models', 'models/champion-history/*'), policy('Promote')),
  iam5(s3Arn('Lake', 'lake/runs/*'), policy('RecordFailure')),
  iam5(s3Arn('Landing', 'landing/inference/*'), batchPolicy('ScoreFile')),
  iam5(s3Arn('Models', 'models/*'), batchPolicy('ScoreFile')),
  iam5(s3Arn('Lake', 'lake/scored/*'), batchPolicy('ScoreFile')),
  iam5(s3Arn('Lake', 'lake/predictions/dt=*'), batchPolicy('ScoreFile')),
  iam5(s3Arn('Lake', 'lake/quarantine/*'), batchPolicy('ScoreFile')),
  iam5(s3Arn('Lake', 'lake/batches/*'), batchPolicy('ScoreFile')),
  iam5(s3Arn('Lake', 'lake/ledger/*'), batchPolicy('ScoreFile')),
  iam5(s3Arn('Lake', 'lake/batches/*'), batchPolicy('ListNewFiles')),
  iam5(s3Arn('Lake', 'lake/batches/*'), batchPolicy('ComputeDrift')),
  iam5(s3Arn('Models', 'models/*'), batchPolicy('ComputeDrift')),
  iam5(s3Arn('Lake', 'lake/batches/*'), batchPolicy('WriteBatchReport')),
  iam5(s3Arn('Lake', 'lake/predictions/reports/*'), batchPolicy('WriteBatchReport')),
  iam5(s3Arn('Models', 'models/*'), batchPolicy('WriteBatchReport')),
  iam5(s3Arn('Lake', 'lake/runs/*'), batchPolicy('RecordFailure')),
  iam5(s3Arn('Models', 'models/*'), `${P}-Api/Prediction/Predict/Role/DefaultPolicy/Resource`),
  // API Gateway's account-level CloudWatch role (execution logging, AwsSolutions-APIG6).
  `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs] @ ${P}-Api/Prediction/Api/CloudWatchRole/Resource`,
  // IAM authorization, not Cognito, on each route.
  `AwsSolutions-COG4 @ ${P}-Api/Prediction/Api/Default/predict/POST/Resource`,
  `AwsSolutions-COG4 @ ${P}-Api/Prediction/Api/Default/model/GET/Resource`,
  `AwsSolutions-COG4 @ ${P}-Api/Prediction/Api/Default/health/GET/Resource`,
  `AwsSolutions-COG4 @ ${P}-Api/Prediction/Api/Default/openapi.json/GET/Resource`,
  // No WAF unless prognos:apiWaf=true.
  `AwsSolutions-APIG3 @ ${P}-Api/Prediction/Api/DeploymentStage.v1/Resource`,
  // The failed-run rule's dead-letter queue is a DLQ itself.
  `AwsSolutions-SQS3 @ ${P}-Monitoring/NotificationDeadLetters/Resource`,
];

const strip = (id: string) => id.replace(/^AwsSolutions::/, '');

describe('cdk-nag AwsSolutions, default configuration', () => {
  const result = synthWithNag();

  it('reports no unacknowledged finding of any severity, and synth succeeds', () => {
    expect(result.open.map((v) => `${v.plugin} ${v.severity} ${v.ruleName} @ ${v.path}`)).toEqual([]);
    expect(result.error).toBeUndefined();
  });

  it('acknowledges exactly 52 findings, each on the flagged resource, with a reason', () => {
    // 44: Train's checkpoints under lake/runs/ and Promote's champion history (IAM5), and GET /openapi.json, a fourth IAM-authorized route (COG4, as the other three).
    // 46: ScoreFile's scored-files ledger (lake/ledger/*) and the batch Map's ResultWriter (lake/map-results/*), both IAM5.
    // 48: ListNewFiles writes the batch manifest (lake/batches/*), which the Map's ItemReader reads (lake/batches/*/manifest.json), both IAM5.
    // 52: TrainLogistic and TrainBoosting each read lake/training-sets/* and write models/* (IAM5), as Train does.
    expect(EXPECTED_ACKNOWLEDGEMENTS).toHaveLength(52);
    const got = result.suppressed.map((v) => `${v.ruleName} @ ${v.path}`).sort();
    expect(got).toEqual([...EXPECTED_ACKNOWLEDGEMENTS].sort());
    for (const v of result.suppressed) {
      expect(v.reason?.length ?? 0, `${v.ruleName} @ ${v.path}`).toBeGreaterThanOrEqual(40);
      expect(v.acknowledgedAt, 'acknowledged on the flagged construct itself').toBe(v.path);
    }
  });

  it('gives each batch inference acknowledgement its own reason', () => {
    const reasonOf = (ack: string) => result.suppressed.find((v) => `${v.ruleName} @ ${v.path}` === ack)?.reason ?? '';
    const prefixReason = 'S3 names a key prefix only with a trailing wildcard; the actions are listed, none is a wildcard.';
    const reasons: [string, string][] = [
      [iam5(s3Arn('Landing', 'landing/inference/*'), batchPolicy('ScoreFile')), 'ScoreFile reads the landing file it scores'],
      [iam5(s3Arn('Models', 'models/*'), batchPolicy('ScoreFile')), "ScoreFile reads the champion pointer and the champion's artifact"],
      [iam5(s3Arn('Lake', 'lake/scored/*'), batchPolicy('ScoreFile')), 'ScoreFile reads and create-only writes the marker that a content was scored'],
      [iam5(s3Arn('Lake', 'lake/predictions/dt=*'), batchPolicy('ScoreFile')), "ScoreFile writes the file's predictions into the predictions table's dt= partitions"],
      [iam5(s3Arn('Lake', 'lake/quarantine/*'), batchPolicy('ScoreFile')), 'ScoreFile writes rejected rows, or an unusable file, with their reasons'],
      [iam5(s3Arn('Lake', 'lake/batches/*'), batchPolicy('ScoreFile')), "ScoreFile records the file's outcome in the batch's file list"],
      [iam5(s3Arn('Lake', 'lake/ledger/*'), batchPolicy('ScoreFile')), 'ScoreFile reads and create-only writes the ledger entry of a landing key and ETag'],
      [iam5(s3Arn('Lake', 'lake/batches/*'), batchPolicy('ListNewFiles')), "ListNewFiles writes the batch's manifest of new files"],
      [iam5(s3Arn('Lake', 'lake/batches/*'), batchPolicy('ComputeDrift')), "ComputeDrift reads the batch's file list and writes its drift.json"],
      [iam5(s3Arn('Models', 'models/*'), batchPolicy('ComputeDrift')), "ComputeDrift reads the training reference in the scoring model's manifest"],
      [iam5(s3Arn('Lake', 'lake/batches/*'), batchPolicy('WriteBatchReport')), "WriteBatchReport reads the batch's file list and drift.json and writes its summary.json"],
      [iam5(s3Arn('Lake', 'lake/predictions/reports/*'), batchPolicy('WriteBatchReport')), "WriteBatchReport writes the batch's HTML report"],
      [iam5(s3Arn('Models', 'models/*'), batchPolicy('WriteBatchReport')), "WriteBatchReport reads the champion pointer and the scoring model's manifest"],
      [iam5(s3Arn('Lake', 'lake/runs/*'), batchPolicy('RecordFailure')), "RecordFailure writes the failed batch's record"],
    ];
    for (const [ack, reason] of reasons) expect(reasonOf(ack), ack).toBe(`${reason}. ${prefixReason}`);
    for (const separator of ['/', ':'] as const) {
      const reason = reasonOf(iam5(batchExecutions(separator), `${P}-Pipeline/Batch/Workflow/StateMachine/Role/DefaultPolicy/Resource`));
      expect(reason).toMatch(/^The Distributed Map runs one child execution per item and must describe and stop them/);
      expect(reason).toContain(`Only states:DescribeExecution and states:StopExecution, on executions of ${P}-BatchInference only.`);
    }
    expect(reasonOf(iam5('*', `${P}-Pipeline/Batch/Workflow/StateMachine/Role/DefaultPolicy/Resource`))).toMatch(/^Added by CDK for logging level ALL and tracing/);
    expect(reasonOf(iam5(s3Arn('Lake', 'lake/map-results/*'), `${P}-Pipeline/Batch/Workflow/StateMachine/Role/DefaultPolicy/Resource`))).toMatch(
      /^The Distributed Map's ResultWriter names each result file by the Map Run's id, known only at run time: objects under lake\/map-results\/ of this bucket only/,
    );
    expect(reasonOf(iam5(s3Arn('Lake', 'lake/batches/*/manifest.json'), `${P}-Pipeline/Batch/Workflow/StateMachine/Role/DefaultPolicy/Resource`))).toBe(
      "The Distributed Map 'ScoreFiles' reads its items from an object named at run time (lake/batches/*/manifest.json): s3:GetObject on that pattern only.",
    );
  });

  it('has no acknowledgement that suppresses nothing or hides from the report', () => {
    // A bare id ('AwsSolutions-S1') is filtered inside cdk-nag and never reaches the report, and a
    // stale one matches no finding; either would show up here but not in `suppressed`.
    const recorded = result.recorded.map((a) => `${strip(a.id)} @ ${a.path}`).sort();
    expect(recorded).toEqual([...EXPECTED_ACKNOWLEDGEMENTS].sort());
  });

  it('every wildcard S3 grant is a key prefix (a folder, or a dt= partition prefix) or one named file in each folder of one, never a whole bucket', () => {
    for (const ack of EXPECTED_ACKNOWLEDGEMENTS.filter((a) => a.includes(':s3:::'))) {
      expect(ack).toMatch(/Bucket\/[a-z-]+\/([a-z-]+\/){0,2}(dt=)?\*(\/[a-z-]+\.json)?\]/);
    }
  });

  it('accounts for acknowledgements: a used one is reported as suppressed, a stale or bare one is not', () => {
    const probe = synthWithNag({}, ({ data }) => {
      const plain = new s3.Bucket(data, 'Plain', { enforceSSL: true }).node.defaultChild as s3.CfnBucket;
      Validations.of(plain).acknowledge({ id: 'AwsSolutions::AwsSolutions-S1', reason: 'probe' });
      Validations.of(plain).acknowledge({ id: 'AwsSolutions::AwsSolutions-S2', reason: 'stale probe' });
    });
    expect(probe.open.filter((v) => v.path.includes('/Plain/'))).toEqual([]);
    expect(probe.suppressed.filter((v) => v.path.includes('/Plain/')).map((v) => `${v.ruleName} @ ${v.path}`)).toEqual([`AwsSolutions-S1 @ ${P}-Data/Plain/Resource`]);
    expect(probe.recorded.filter((a) => a.path.includes('/Plain/'))).toHaveLength(2);
  });

  it('catches a new unacknowledged finding (negative control)', () => {
    const bad = synthWithNag({}, ({ data }) => new s3.Bucket(data, 'Plain'));
    expect(bad.error).toBeDefined();
    expect(bad.open.map((v) => `${v.ruleName} @ ${v.path}`)).toEqual(
      expect.arrayContaining([`AwsSolutions-S1 @ ${P}-Data/Plain/Resource`, `AwsSolutions-S10 @ ${P}-Data/Plain/Resource`]),
    );
  });
});

describe('cdk-nag AwsSolutions, API key mode with WAF and CORS', () => {
  const result = synthWithNag({ apiAuth: 'apiKey', apiWaf: true, apiCorsOrigins: ['https://app.example.com', 'http://localhost:5173'] });

  it('is clean too: API-key routes acknowledge APIG4 and COG4, CORS preflights need nothing, and the WAF removes the APIG3 acknowledgement', () => {
    expect(result.open.map((v) => `${v.severity} ${v.ruleName} @ ${v.path}`)).toEqual([]);
    expect(result.error).toBeUndefined();
    const got = result.suppressed.map((v) => `${v.ruleName} @ ${v.path}`);
    const routes = ['predict/POST', 'model/GET', 'health/GET', 'openapi.json/GET'].map((r) => `${P}-Api/Prediction/Api/Default/${r}/Resource`);
    for (const route of routes) {
      expect(got).toContain(`AwsSolutions-APIG4 @ ${route}`);
      expect(got).toContain(`AwsSolutions-COG4 @ ${route}`);
    }
    // cdk-nag exempts CORS preflights (OPTIONS) from APIG4 and COG4: they need no acknowledgement.
    expect(got.filter((g) => g.includes('/OPTIONS/'))).toEqual([]);
    expect(got.filter((g) => g.startsWith('AwsSolutions-APIG3'))).toEqual([]);
    // Default's 44, less APIG3 (WAF on), plus APIG4 on the four routes.
    expect(got).toHaveLength(EXPECTED_ACKNOWLEDGEMENTS.length - 1 + 4);
    const recorded = result.recorded.map((a) => `${strip(a.id)} @ ${a.path}`).sort();
    expect(recorded).toEqual([...got].sort());
  });
});
