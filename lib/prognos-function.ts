import { AssetHashType, DockerImage, type Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { BUNDLE_FILE, bundleFunction, handlerEntry, PROJECT_ROOT } from './function-bundling.ts';
import { acknowledge, wildcardResourceFinding } from './nag.ts';

/** The newest Node.js runtime this aws-cdk-lib knows (cdk-nag's AwsSolutions-L1 checks it). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;
/** POWERTOOLS_METRICS_NAMESPACE of every function: the dashboard and alarms read metrics here. */
export const METRICS_NAMESPACE = 'Prognos';
/** Lambda's limit on a function's environment variables, keys and values together. */
export const ENVIRONMENT_LIMIT_BYTES = 4096;
/** The most a value resolved at deployment (an imported bucket name, a state machine ARN) can take. */
const DEPLOY_TIME_VALUE_BYTES = 160;

export interface PrognosFunctionProps {
  /** Handler file name under lambdas/handlers/, without `.ts` (`train`). It exports `handler`. */
  readonly handler: string;
  readonly description: string;
  /** Memory in MB; CPU grows with it (one full vCPU at 1,769 MB). */
  readonly memorySize: number;
  /** At most the timeout of the Task (or API Gateway integration) that calls it. */
  readonly timeout: Duration;
  /** POWERTOOLS_SERVICE_NAME: the `service` of its logs and the dimension of its metrics. */
  readonly serviceName: string;
  /** POWERTOOLS_LOG_LEVEL. */
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
  /** Further environment variables (bucket names, …). */
  readonly environment?: Record<string, string>;
  /**
   * X-Ray write access, one customer-managed policy per stack (X-Ray's actions take no resource).
   * See {@link XRayWritePolicy}.
   */
  readonly xrayPolicy: XRayWritePolicy;
  /** Bundle the linear-algebra worker next to the handler (functions that fit GPs). @default false */
  readonly linalgWorker?: boolean;
  /** Asynchronous invocations (EventBridge): failures after the retries go to this queue. @default - none */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Asynchronous invocations: retries after a failed attempt (0–2). @default 2 (Lambda's default) */
  readonly retryAttempts?: number;
  /** Asynchronous invocations: how long an event may wait for a successful attempt. @default 6 hours */
  readonly maxEventAge?: Duration;
  /** Concurrent executions reserved for the function, which also caps it. @default - none */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The bytes of an environment as Lambda counts them (keys and values), a value resolved at
 * deployment counted at its largest.
 */
export function environmentBytes(environment: Readonly<Record<string, string>>): number {
  const value = (v: string) => (Token.isUnresolved(v) ? DEPLOY_TIME_VALUE_BYTES : Buffer.byteLength(v));
  return Object.entries(environment).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + value(v), 0);
}

/** Refuses at synth an environment Lambda would refuse at deployment, naming what takes the room. */
function checkEnvironmentSize(fn: Construct, environment: Readonly<Record<string, string>>): void {
  const bytes = environmentBytes(environment);
  if (bytes <= ENVIRONMENT_LIMIT_BYTES) return;
  const largest = Object.entries(environment)
    .map(([k, v]) => [k, environmentBytes({ [k]: v })] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, n]) => `${k} ${n} bytes`);
  throw new Error(
    `PrognosFunction ${fn.node.path}: its environment takes up to ${bytes} bytes, Lambda allows ${ENVIRONMENT_LIMIT_BYTES} (largest: ${largest.join(', ')}); a large PROGNOS_CONTRACT shrinks with shorter descriptions, PIPELINE_CONFIG and BATCH_CONFIG with fewer settings`,
  );
}

/**
 * The one function construct every Prognos Lambda is built with: Node.js 24 on ARM64, an explicit
 * memory size and timeout, X-Ray active tracing, its own log group with a retention, source maps,
 * and the bundle from lib/function-bundling.ts (ESM, names kept, no DuckDB or CDK inside).
 *
 * Its role starts empty apart from writing to its own log group and to X-Ray: every other
 * permission is granted explicitly by the stack that uses it ({@link PrognosFunction.grant}),
 * and nothing is added behind the scenes (the role is handed to Lambda as immutable, so CDK
 * cannot append `*` statements to it).
 */
export class PrognosFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly timeout: Duration;
  /** Handler file name under lambdas/handlers/ (without `.ts`). */
  readonly handlerName: string;
  /** Whether the linear-algebra worker is bundled next to the handler. */
  readonly linalgWorker: boolean;

  constructor(scope: Construct, id: string, props: PrognosFunctionProps) {
    super(scope, id);
    this.timeout = props.timeout;
    this.handlerName = props.handler;
    this.linalgWorker = props.linalgWorker ?? false;
    const entry = handlerEntry(props.handler);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Prognos ${props.handler} function`,
      managedPolicies: [props.xrayPolicy.policy],
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
    );
    if (props.deadLetterQueue) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'DeadLetterQueue', actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] }),
      );
    }

    const environment = {
      ...props.environment,
      POWERTOOLS_SERVICE_NAME: props.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: props.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };
    checkEnvironmentSize(this, environment);

    this.function = new lambda.Function(this, 'Function', {
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role.withoutPolicyUpdates(),
      handler: `${BUNDLE_FILE.replace(/\.mjs$/, '')}.handler`,
      code: lambda.Code.fromAsset(PROJECT_ROOT, {
        // Hash the bundle, not the project folder (node_modules included) it is built from.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Only the local esbuild is used; this image is never pulled (tryBundle always bundles or throws).
          image: DockerImage.fromRegistry('prognos-bundles-locally-with-esbuild'),
          // Part of CDK's bundling cache key, which ignores the hook below: one key per entry.
          environment: { PROGNOS_BUNDLE_ENTRY: entry, PROGNOS_LINALG_WORKER: String(props.linalgWorker ?? false) },
          local: {
            tryBundle(outputDir: string): boolean {
              bundleFunction({ entry, outdir: outputDir, linalgWorker: props.linalgWorker });
              return true;
            },
          },
        },
      }),
      environment,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    });
    // The function must not run before its permissions exist.
    this.function.node.addDependency(this.role);
  }

  get functionArn(): string {
    return this.function.functionArn;
  }

  /**
   * Adds one Allow statement to the function's role. `reason` says why this function needs it;
   * for each wildcard resource (an S3 key prefix `…/landing/training/*` or `…/dt=*`), it becomes the reason of
   * the AwsSolutions-IAM5 acknowledgement, written on this role's policy only.
   */
  grant(sid: string, actions: string[], resources: string[], reason: string, conditions?: Record<string, Record<string, unknown>>): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }));
    const policy = this.role.node.findChild('DefaultPolicy') as iam.Policy;
    if (actions.some((action) => action.includes('*'))) throw new Error(`${this.node.path}: grant ${sid} names actions one by one, not ${actions.join(', ')}`);
    for (const resource of resources) {
      const finding = wildcardResourceFinding(this, resource);
      if (!finding.includes('*')) continue;
      // Only an S3 key prefix is acknowledged here (a folder `…/prefix/*`, or a Hive partition
      // prefix `…/dt=*`); any other wildcard needs its own reviewed reason.
      if (!/^IAM5\[Resource::arn:(<AWS::Partition>|aws[a-z-]*):s3:::[^*]+[/=]\*\]$/.test(finding)) {
        throw new Error(`${this.node.path}: grant ${sid} has the wildcard resource ${finding}; only S3 key prefixes (…/prefix/*, …/dt=*) are granted this way`);
      }
      acknowledgeOnce(policy, finding, `${this.node.id} ${reason}. S3 names a key prefix only with a trailing wildcard; the actions are listed, none is a wildcard.`);
    }
  }

  /** Denies `actions` on `resources` whatever else is granted (e.g. writing models/champion.json). */
  deny(sid: string, actions: string[], resources: string[]): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, effect: iam.Effect.DENY, actions, resources }));
  }
}

const acknowledged = new WeakMap<IConstruct, Set<string>>();
function acknowledgeOnce(construct: IConstruct, finding: string, reason: string): void {
  const seen = acknowledged.get(construct) ?? new Set<string>();
  acknowledged.set(construct, seen);
  if (seen.has(finding)) return;
  seen.add(finding);
  acknowledge(construct, finding, reason);
}

/**
 * `xray:PutTraceSegments` and `xray:PutTelemetryRecords` for active tracing: one customer-managed
 * policy shared by the functions of a stack, so its one unavoidable `Resource: *` is acknowledged
 * once, here, instead of on every function.
 */
export class XRayWritePolicy extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Prognos ${Stack.of(this).stackName}: send X-Ray trace segments (active tracing)`,
      statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
    });
    acknowledge(
      this.policy,
      'IAM5[Resource::*]',
      'xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions (AWS service authorization reference), so Resource must be *; the policy allows only these two write actions, for active tracing.',
    );
  }
}
