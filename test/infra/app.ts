/**
 * Builds the Prognos CDK app for template tests: bundling skipped (context
 * `aws:cdk:bundling-stacks` = [], so no esbuild runs; test/infra/bundles.test.ts bundles for
 * real), cdk-nag off unless asked for, into a temporary folder.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { afterAll } from 'vitest';
import { buildApp, type PrognosAppConfig, type PrognosStacks } from '../../lib/app-builder.ts';

export const STAGE = 'test';

/** A value inside template JSON, navigated freely in assertions (which check its shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TemplateJson = any;
/** Skips NodejsFunction-style asset bundling for every stack. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

/**
 * The feature flags of cdk.json (its context without the `prognos:` settings, which the tests give
 * through `buildApp`), so the templates under test are those `cdk synth` makes.
 */
export const FEATURE_FLAGS: Readonly<Record<string, unknown>> = Object.fromEntries(
  Object.entries((JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context).filter(([key]) => !key.startsWith('prognos:')),
);

const tempDirs: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prognos-cdk-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

export interface TestApp extends PrognosStacks {
  readonly app: App;
  readonly templates: { readonly data: Template; readonly pipeline: Template; readonly api: Template; readonly monitoring: Template };
}

/** The app with `overrides`, without nag, and a Template per stack. */
export function testApp(overrides: Partial<PrognosAppConfig> = {}): TestApp {
  const app = new App({ outdir: tempDir(), context: { ...FEATURE_FLAGS, ...NO_BUNDLING } });
  const stacks = buildApp(app, { stage: STAGE, nag: false, ...overrides });
  return {
    app,
    ...stacks,
    templates: {
      data: Template.fromStack(stacks.data),
      pipeline: Template.fromStack(stacks.pipeline),
      api: Template.fromStack(stacks.api),
      monitoring: Template.fromStack(stacks.monitoring),
    },
  };
}

/** The logical id of a construct's CloudFormation resource (itself or its default child). */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

/** A resource's properties by logical id. */
export function properties(template: Template, id: string): Record<string, unknown> {
  const resource = template.toJSON().Resources[id] as { Properties?: Record<string, unknown> } | undefined;
  if (resource === undefined) throw new Error(`no resource ${id}`);
  return resource.Properties ?? {};
}

// ---------------------------------------------------------------------------------------------
// cdk-nag: the same app as `cdk synth`, with AwsSolutionsChecks registered by buildApp.

interface ReportedViolation {
  ruleName: string;
  severity?: string;
  violatingConstructs: { constructPath: string }[];
  reason?: string;
  acknowledgedAt?: string;
}
interface ValidationReport {
  pluginReports: { pluginName: string; violations: ReportedViolation[]; suppressedViolations?: ReportedViolation[] }[];
}

export interface NagResult {
  readonly error: unknown;
  /** Findings nobody acknowledged (any severity). */
  readonly open: (ReportedViolation & { path: string; plugin: string })[];
  /** Acknowledged findings, one per construct, with the acknowledgement's reason and place. */
  readonly suppressed: (ReportedViolation & { path: string })[];
  /** Every acknowledgement anywhere in the tree, whether or not it suppressed anything. */
  readonly recorded: { id: string; path: string }[];
}

/** Synthesises the app with cdk-nag and reads the validation report CDK writes (what the CLI prints). */
export function synthWithNag(overrides: Partial<PrognosAppConfig> = {}, mutate?: (stacks: PrognosStacks) => void): NagResult {
  const outdir = tempDir();
  const app = new App({ outdir, context: { ...FEATURE_FLAGS, ...NO_BUNDLING } });
  const stacks = buildApp(app, { stage: STAGE, ...overrides });
  mutate?.(stacks);
  let error: unknown;
  try {
    app.synth();
  } catch (e) {
    error = e; // unacknowledged errors make synth throw; the report is still written
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  const flatten = (vs: ReportedViolation[] = []) => vs.flatMap((v) => v.violatingConstructs.map((c) => ({ ...v, path: c.constructPath })));
  const open = report.pluginReports.flatMap((p) => flatten(p.violations).map((v) => ({ ...v, plugin: p.pluginName })));
  const suppressed = report.pluginReports.flatMap((p) => flatten(p.suppressedViolations));
  const recorded = app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.keys(m.data as Record<string, string>).map((id) => ({ id, path: c.node.path }))),
  );
  return { error, open, suppressed, recorded };
}

// ---------------------------------------------------------------------------------------------
// IAM: what a role may do, read from the template.

export interface Statement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: string[];
  /** Resources flattened the way cdk-nag names them: `arn:<AWS::Partition>:s3:::Prognos-test:LakeBucket/lake/features/*`. */
  readonly resources: string[];
  readonly sid?: string;
  /** The statement's Condition block, as in the template (only when it has one). */
  readonly conditions?: Record<string, TemplateJson>;
}

/** Every statement of the role's inline policies (AWS::IAM::Policy) and of its customer-managed policies. */
export function roleStatements(template: Template, roleId: string): Statement[] {
  const json = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, TemplateJson> }>;
  const role = json[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const documents: { Statement: Record<string, TemplateJson>[] }[] = [];
  for (const resource of Object.values(json)) {
    if (resource.Type === 'AWS::IAM::Policy' && (resource.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }))) {
      documents.push(resource.Properties.PolicyDocument);
    }
  }
  for (const arn of (role.Properties.ManagedPolicyArns ?? []) as unknown[]) {
    const ref = (arn as { Ref?: string }).Ref;
    if (ref === undefined) throw new Error(`${roleId} has an AWS-managed policy ${JSON.stringify(arn)}`);
    documents.push(json[ref].Properties.PolicyDocument);
  }
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
  return documents.flatMap((d) =>
    d.Statement.map((s) => ({
      effect: s.Effect,
      // Sorted: order means nothing in IAM, and the minimizePolicies feature flag sorts them anyway.
      actions: (list(s.Action) as string[]).sort(),
      resources: list(s.Resource).map((r) => flattenCfnReference(r)),
      ...(s.Sid ? { sid: s.Sid } : {}),
      ...(s.Condition ? { conditions: s.Condition } : {}),
    })),
  );
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** Whether the statements allow `action` on `resource` (explicit Deny wins; wildcards as IAM matches them). */
export function allows(statements: Statement[], action: string, resource: string): boolean {
  const matches = (s: Statement) => s.actions.some((a) => glob(a).test(action)) && s.resources.some((r) => glob(r).test(resource));
  if (statements.some((s) => s.effect === 'Deny' && matches(s))) return false;
  return statements.some((s) => s.effect === 'Allow' && matches(s));
}
