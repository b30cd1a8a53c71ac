import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ArnFormat, Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { asDefinition, type AslDistributedMap, type AslS3Access, type AslTask, distributedMaps, placeholderNames, placeholderOf, taskStates } from '../lambdas/adapters/local/asl-definition.ts';
import { PROJECT_ROOT } from './function-bundling.ts';
import { acknowledge, wildcardResourceFinding } from './nag.ts';
import type { PrognosFunction } from './prognos-function.ts';

/** A placeholder that CDK fills with a Task's function ARN: `${<TaskState>FunctionArn}`. */
const FUNCTION_PLACEHOLDER = /^(.+)FunctionArn$/;

export interface WorkflowProps {
  /** The ASL file, relative to the project root (`statemachines/training.asl.json`). */
  readonly definitionFile: string;
  /** Task state name → the function its `${<Task>FunctionArn}` placeholder becomes. */
  readonly tasks: Readonly<Record<string, PrognosFunction>>;
  /** Values of the other placeholders (`${LandingBucketName}` → a bucket name). @default - none */
  readonly substitutions?: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  /** What the workflow does, for the state machine's and alarms' descriptions. */
  readonly description: string;
  /**
   * The state machine's name. Required when the definition has a Distributed Map: its role must
   * be allowed to start executions of the state machine itself, and a name known before
   * deployment lets the policy name it without a circular reference.
   * @default - a name CloudFormation generates
   */
  readonly stateMachineName?: string;
  /**
   * Map state name → the key pattern (an S3 ARN resource name, `*` for any run-time part) of the
   * object its `s3:getObject` ItemReader reads, when the definition takes the Key from the state
   * (`"Key.$"`): what the state machine's role may read.
   * @default - none; such a reader is refused
   */
  readonly itemReaderKeys?: Readonly<Record<string, string>>;
}

/**
 * One Step Functions workflow deployed from its ASL file, the file the local runner executes too.
 * The definition stays inline in the template (`DefinitionBody.fromString`, not an S3 asset), with
 * `definitionSubstitutions` filling each `${<Task>FunctionArn}` placeholder with that Task's
 * function: a Standard state machine, logging ALL events with execution data to its own log group,
 * X-Ray tracing on, and allowed to invoke exactly its Tasks' functions.
 *
 * Construction fails when the file and the map disagree: a placeholder without a value, a function
 * no Task uses, a Task without a timeout, or a function whose timeout exceeds its Task's (Step
 * Functions would give up before Lambda does, and a retry would run the step twice at once).
 *
 * The training workflow is one instance; batch inference is another, with its own file and map.
 */
export class Workflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  readonly description: string;
  /** The Tasks of the definition, as parsed. */
  readonly aslTasks: readonly AslTask[];
  /** Its Distributed Map states (none for training). */
  readonly distributedMaps: readonly AslDistributedMap[];

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    this.description = props.description;
    const path = isAbsolute(props.definitionFile) ? props.definitionFile : join(PROJECT_ROOT, props.definitionFile);
    const text = readFileSync(path, 'utf8');
    // The local runner's reader: one rule for placeholders, Tasks and Distributed Maps in both runtimes.
    const definition = asDefinition(JSON.parse(text), props.definitionFile);
    this.aslTasks = taskStates(definition);
    this.distributedMaps = distributedMaps(definition);
    const substitutions = this.substitutions(props, placeholderNames(definition));

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: stateMachineLogGroupName(this),
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      comment: props.description,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(text),
      definitionSubstitutions: substitutions,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    // Exactly the Tasks' functions, by unqualified ARN (the only form the definition uses).
    const functions = [...new Set(Object.values(props.tasks))];
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'InvokeTaskFunctions', actions: ['lambda:InvokeFunction'], resources: functions.map((f) => f.functionArn) }),
    );
    const policy = this.stateMachine.role.node.findChild('DefaultPolicy');
    acknowledge(
      policy,
      'IAM5[Resource::*]',
      'Added by CDK for logging level ALL and tracing: the CloudWatch Logs log-delivery actions (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets support no resource-level permissions; Lambda invocation is granted per function ARN.',
    );
    if (this.distributedMaps.length > 0) this.grantDistributedMaps(props, substitutions, policy);
  }

  /**
   * What a Distributed Map needs on the state machine's own role (Step Functions guide, "IAM
   * policies for using Distributed Map states"): start child executions of this state machine,
   * describe and stop them, and list the bucket prefix its ItemReader reads, no more. The state
   * machine's ARN is built from its name: `Ref` of the state machine inside its own role's policy
   * would be a circular reference (the state machine waits for its policy).
   */
  private grantDistributedMaps(props: WorkflowProps, substitutions: Record<string, string>, policy: IConstruct): void {
    const name = props.stateMachineName;
    if (name === undefined) {
      throw new Error(`Workflow ${this.node.path} (${props.definitionFile}): the Distributed Map '${this.distributedMaps[0].state}' starts executions of its own state machine; give stateMachineName so its role can name it`);
    }
    const stack = Stack.of(this);
    const states = (resource: string, resourceName: string) => stack.formatArn({ service: 'states', resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'DistributedMapStartChildExecutions', actions: ['states:StartExecution'], resources: [states('stateMachine', name)] }),
    );
    // A Map Run's child executions are `execution:<name>/<map run>:<id>`; the state machine's
    // own, `execution:<name>:<id>`.
    const executions = [states('execution', `${name}/*`), states('execution', `${name}:*`)];
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'DistributedMapManageChildExecutions', actions: ['states:DescribeExecution', 'states:StopExecution'], resources: executions }),
    );
    for (const execution of executions) {
      acknowledge(
        policy,
        wildcardResourceFinding(this, execution),
        `The Distributed Map runs one child execution per item and must describe and stop them (Step Functions guide, IAM policies for Distributed Map states); their names are generated at run time, so only a wildcard after this state machine's own name can name them. Only states:DescribeExecution and states:StopExecution, on executions of ${name} only.`,
      );
    }

    for (const { state, resultWriter } of this.distributedMaps) {
      if (resultWriter !== undefined) this.grantResultWriter(props, substitutions, policy, state, resultWriter);
    }
    for (const { state, itemReader } of this.distributedMaps) {
      if (itemReader !== undefined) this.grantItemReader(props, substitutions, policy, state, itemReader);
    }
  }

  /**
   * What the state machine's role needs to read a Map's items, no more: `s3:ListBucket` on the
   * listed prefix (`s3:listObjectsV2`), or `s3:GetObject` on the object (`s3:getObject`) — by
   * its constant Key, or, when the Key is a path, on `props.itemReaderKeys[state]`.
   */
  private grantItemReader(props: WorkflowProps, substitutions: Record<string, string>, policy: IConstruct, state: string, itemReader: AslS3Access): void {
    const stack = Stack.of(this);
    const { resource, parameters } = itemReader;
    const problem = (what: string) => new Error(`Workflow ${this.node.path} (${props.definitionFile}): the ItemReader of '${state}' ${what}`);
    const bucket = parameters.Bucket;
    if (typeof bucket !== 'string') throw problem('needs a constant Bucket, so its permission can name it');
    const placeholder = placeholderOf(bucket);
    const bucketName = placeholder === undefined ? bucket : substitutions[placeholder];
    const sid = `ItemReader${state.replace(/[^A-Za-z0-9]/g, '')}`;
    if (resource === 'arn:aws:states:::s3:listObjectsV2') {
      const prefix = parameters.Prefix;
      if (typeof prefix !== 'string' || prefix.length === 0) throw problem('needs a constant, non-empty Prefix, so its permission can name it');
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          sid,
          actions: ['s3:ListBucket'],
          resources: [stack.formatArn({ service: 's3', region: '', account: '', resource: bucketName })],
          conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
        }),
      );
      return;
    }
    if (resource !== 'arn:aws:states:::s3:getObject') throw problem(`reads ${String(resource)}; only arn:aws:states:::s3:listObjectsV2 and arn:aws:states:::s3:getObject are granted`);
    const key = typeof parameters.Key === 'string' ? parameters.Key : props.itemReaderKeys?.[state];
    if (key === undefined) throw problem('takes its Key from the state: give itemReaderKeys a key pattern for it, so its permission can name it');
    const objects = stack.formatArn({ service: 's3', region: '', account: '', resource: bucketName, resourceName: key });
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ sid, actions: ['s3:GetObject'], resources: [objects] }));
    if (key.includes('*')) {
      acknowledge(policy, wildcardResourceFinding(this, objects), `The Distributed Map '${state}' reads its items from an object named at run time (${key}): s3:GetObject on that pattern only.`);
    }
  }

  /**
   * A ResultWriter writes the Map Run's results under its Prefix with the state machine's role
   * (Step Functions guide, "IAM policies for ResultWriter"): put, get and the multipart actions,
   * on that prefix of that bucket only.
   */
  private grantResultWriter(props: WorkflowProps, substitutions: Record<string, string>, policy: IConstruct, state: string, writer: AslS3Access): void {
    const problem = (what: string) => new Error(`Workflow ${this.node.path} (${props.definitionFile}): the ResultWriter of '${state}' ${what}`);
    if (writer.resource !== 'arn:aws:states:::s3:putObject') throw problem(`writes with ${String(writer.resource)}; only arn:aws:states:::s3:putObject is granted`);
    const { Bucket: bucket, Prefix: prefix } = writer.parameters;
    if (typeof bucket !== 'string' || typeof prefix !== 'string' || prefix.length === 0) {
      throw problem('needs a constant Bucket and a constant, non-empty Prefix, so its permission can name them');
    }
    const placeholder = placeholderOf(bucket);
    const bucketName = placeholder === undefined ? bucket : substitutions[placeholder];
    const objects = Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: bucketName, resourceName: `${prefix.replace(/\/$/, '')}/*` });
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: `ResultWriter${state.replace(/[^A-Za-z0-9]/g, '')}`,
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [objects],
      }),
    );
    acknowledge(
      policy,
      wildcardResourceFinding(this, objects),
      `The Distributed Map's ResultWriter names each result file by the Map Run's id, known only at run time: objects under ${prefix}/ of this bucket only, with the actions the Step Functions guide lists for ResultWriter.`,
    );
  }

  /** Checks the file against the map and returns every placeholder's value. */
  private substitutions(props: WorkflowProps, placeholders: readonly string[]): Record<string, string> {
    const problems: string[] = [];
    const values: Record<string, string> = {};
    const used = new Set<string>();
    for (const name of placeholders) {
      const task = FUNCTION_PLACEHOLDER.exec(name)?.[1];
      if (task !== undefined && props.tasks[task] !== undefined) {
        values[name] = props.tasks[task].functionArn;
        used.add(task);
      } else if (props.substitutions?.[name] !== undefined) {
        values[name] = props.substitutions[name];
      } else {
        problems.push(`\${${name}} has no value (${task !== undefined ? `no function for Task '${task}'` : 'not in substitutions'})`);
      }
    }
    for (const task of Object.keys(props.tasks)) {
      if (!used.has(task)) problems.push(`function for '${task}' is not used: no \${${task}FunctionArn} in the file`);
    }
    for (const task of this.aslTasks) {
      if (task.timeoutSeconds === undefined) {
        problems.push(`Task '${task.state}' has no TimeoutSeconds`);
        continue;
      }
      const fn = task.placeholder === undefined ? undefined : props.tasks[FUNCTION_PLACEHOLDER.exec(task.placeholder)?.[1] ?? ''];
      if (fn !== undefined && fn.timeout.toSeconds() > task.timeoutSeconds) {
        problems.push(`Task '${task.state}' times out after ${task.timeoutSeconds} s but its function may run ${fn.timeout.toSeconds()} s`);
      }
    }
    if (problems.length > 0) throw new Error(`Workflow ${this.node.path} (${props.definitionFile}):\n  ${problems.join('\n  ')}`);
    return values;
  }

  /** The conditions an operator must hear about: failed, timed-out and throttled executions. */
  alarmMetrics(): { id: string; metric: cloudwatch.IMetric; description: string }[] {
    const sum = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    return [
      { id: 'ExecutionsFailed', metric: this.stateMachine.metricFailed(sum), description: `${this.description}: an execution failed` },
      { id: 'ExecutionsTimedOut', metric: this.stateMachine.metricTimedOut(sum), description: `${this.description}: an execution timed out` },
      { id: 'ExecutionsThrottled', metric: this.stateMachine.metricThrottled(sum), description: `${this.description}: Step Functions throttled executions` },
    ];
  }
}

/** Where Step Functions log groups belong (see {@link stateMachineLogGroupName}). */
export const VENDED_LOGS_PREFIX = '/aws/vendedlogs/states/';

/**
 * `/aws/vendedlogs/states/<stack>-<workflow>-<stack id suffix>`. Under `/aws/vendedlogs/`, Step
 * Functions' log delivery needs no CloudWatch Logs resource policy entry per log group (that
 * account-wide policy is limited to 5,120 characters, which a few deployments fill). The last
 * part of the stack's id is new each time the stack is created, so a log group retained from a
 * destroyed stack never blocks a new one of the same name.
 */
export function stateMachineLogGroupName(workflow: Construct): string {
  const stack = Stack.of(workflow);
  const stackIdSuffix = Fn.select(4, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
  const owner = workflow.node.scope?.node.id ?? workflow.node.id;
  return `${VENDED_LOGS_PREFIX}${stack.stackName}-${owner}-${stackIdSuffix}`;
}
