import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DataLakeRefs } from './data-lake.ts';
import { LakeAccess } from './lake-access.ts';
import { PrognosFunction, type XRayWritePolicy } from './prognos-function.ts';
import { Workflow, type WorkflowProps } from './workflow.ts';

/** What a Task's TimeoutSeconds leaves for the invocation itself. */
export const TASK_TIMEOUT_MARGIN_SECONDS = 10;

/** One Task's function: its handler, size and timeout (a little under the Task's TimeoutSeconds). */
export interface TaskFunctionSpec {
  /** Handler file name under lambdas/handlers/, without `.ts`. */
  readonly handler: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly description: string;
  /** Bundle the linear-algebra worker (functions that fit or score GPs). */
  readonly linalgWorker?: boolean;
}

/**
 * A row of a pipeline's spec table, given its Task's TimeoutSeconds: the function's timeout is
 * 10 s less, so Lambda, not Step Functions, ends a step that runs too long, with a Lambda timeout
 * error the run record shows.
 */
export function taskFunction(handler: string, memorySize: number, taskTimeoutSeconds: number, description: string, options: { linalgWorker?: true } = {}): TaskFunctionSpec {
  return { handler, memorySize, timeout: Duration.seconds(taskTimeoutSeconds - TASK_TIMEOUT_MARGIN_SECONDS), description, ...options };
}

/** What every pipeline (training, batch inference) is given by its stack. */
export interface PipelineProps {
  readonly lake: DataLakeRefs;
  /** Environment of every function (bucket names, Glue database, workgroup). */
  readonly environment: Record<string, string>;
  readonly xrayPolicy: XRayWritePolicy;
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
}

/** How a pipeline departs from its spec table for one of its functions. */
export interface TaskFunctionOverride {
  readonly memorySize?: number;
  /** Replaces the stack's environment for this function. */
  readonly environment?: Record<string, string>;
}

/** What one pipeline states: the rest is the same for every pipeline. */
export interface PipelineSpec<Name extends string> {
  /** The ASL file, from the project root. */
  readonly definitionFile: string;
  /** The state machine's description. */
  readonly description: string;
  /** POWERTOOLS_SERVICE_NAME of its functions: the `service` dimension of their metrics. */
  readonly serviceName: string;
  /** One function per Task state, by the state's name. */
  readonly functions: Readonly<Record<Name, TaskFunctionSpec>>;
  /** What one function gets apart from its row (Train's memory, StartRetrain's state machine ARN). */
  readonly override?: (task: Name) => TaskFunctionOverride | undefined;
  /** Writes out each function's grants, every statement by hand (see LakeAccess). */
  readonly grant: (access: LakeAccess, functions: Readonly<Record<Name, PrognosFunction>>) => void;
  /** The workflow's further settings (substitutions, the name a Distributed Map needs). */
  readonly workflow?: Pick<WorkflowProps, 'substitutions' | 'stateMachineName' | 'itemReaderKeys'>;
}

/**
 * A pipeline: one function per Task of an ASL file, each allowed exactly the keys its step reads
 * and writes, and the state machine (Workflow) that runs them. Each function is a direct child of
 * the pipeline named by its Task state, so the logical IDs are those of the Task names. The
 * training and batch pipelines extend this class and state only their spec table, grants and
 * what differs.
 */
export class Pipeline<Name extends string> extends Construct {
  readonly functions: Readonly<Record<Name, PrognosFunction>>;
  readonly workflow: Workflow;

  constructor(scope: Construct, id: string, props: PipelineProps, spec: PipelineSpec<Name>) {
    super(scope, id);
    const fns = {} as Record<Name, PrognosFunction>;
    for (const [task, row] of Object.entries(spec.functions) as [Name, TaskFunctionSpec][]) {
      const override = spec.override?.(task);
      fns[task] = new PrognosFunction(this, task, {
        ...row,
        memorySize: override?.memorySize ?? row.memorySize,
        serviceName: spec.serviceName,
        logLevel: props.logLevel,
        logRetention: props.logRetention,
        environment: override?.environment ?? props.environment,
        xrayPolicy: props.xrayPolicy,
      });
    }
    this.functions = fns;
    spec.grant(new LakeAccess(props.lake), fns);

    this.workflow = new Workflow(this, 'Workflow', {
      ...spec.workflow,
      definitionFile: spec.definitionFile,
      tasks: fns,
      logRetention: props.logRetention,
      description: spec.description,
    });
  }
}
