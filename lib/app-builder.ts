import { Tags, Validations } from 'aws-cdk-lib';
import type { App, Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PrognosDataStack } from './data-stack.ts';

/** Lowercase letters, digits and hyphens, 1–20 characters: safe inside stack and bucket names. */
export const STAGE_PATTERN = /^[a-z0-9-]{1,20}$/;

export interface PrognosAppConfig {
  /** Deployment stage; must match {@link STAGE_PATTERN}. */
  readonly stage: string;
  /**
   * Target account/region.
   * @default - environment-agnostic stacks
   */
  readonly env?: Environment;
  /**
   * Run the cdk-nag AwsSolutions pack over the whole app during synthesis.
   * @default true
   */
  readonly nag?: boolean;
}

/** Checks a stage value (typically from the `prognos:stage` context key) and returns it. */
export function parseStage(value: unknown): string {
  if (typeof value !== 'string' || !STAGE_PATTERN.test(value)) {
    throw new Error(
      `Invalid stage ${JSON.stringify(value)} (context key 'prognos:stage'): ` +
        'use 1-20 lowercase letters, digits or hyphens, e.g. -c prognos:stage=dev',
    );
  }
  return value;
}

/** The stacks of one Prognos deployment, built into `app`. bin/app.ts and the tests both use it. */
export function buildApp(app: App, config: PrognosAppConfig): { data: PrognosDataStack } {
  const stage = parseStage(config.stage);
  Tags.of(app).add('project', 'prognos');

  const data = new PrognosDataStack(app, `Prognos-${stage}-Data`, {
    stage,
    env: config.env,
    description: `Prognos (${stage}): data buckets`,
  });

  if (config.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { data };
}
