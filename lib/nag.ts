import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';

/**
 * cdk-nag acknowledgements, written one way everywhere: on the CloudFormation resource that the
 * finding names (never on a parent, so an acknowledgement cannot hide a sibling's finding), with
 * the pack's namespace (`AwsSolutions::AwsSolutions-XX`; a bare id is swallowed inside cdk-nag and
 * never reaches the validation report), and with a reason.
 */

/** The CfnResource a construct stands for: itself, or its default child. */
export function cfnResourceOf(construct: IConstruct): CfnResource {
  if (CfnResource.isCfnResource(construct)) return construct;
  const child = construct.node.defaultChild;
  if (child !== undefined && CfnResource.isCfnResource(child)) return child;
  throw new Error(`acknowledge: ${construct.node.path} is not a CloudFormation resource and has none as default child`);
}

/**
 * Acknowledges AwsSolutions rule `rule` (e.g. `COG4`, or `IAM5[Resource::*]` for one finding of a
 * rule with findings) on the resource `construct` stands for.
 */
export function acknowledge(construct: IConstruct, rule: string, reason: string): void {
  if (reason.trim().length < 40) throw new Error(`acknowledge ${rule} on ${construct.node.path}: give a reason a reviewer can check`);
  Validations.of(cfnResourceOf(construct)).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
}

/**
 * The AwsSolutions-IAM5 finding a wildcard resource in an Allow statement produces, as cdk-nag
 * names it: `Resource::` + the ARN with references flattened (`arn:<AWS::Partition>:s3:::…/*`).
 * Works for ARNs built from literals, pseudo parameters and Fn::ImportValue, which resolve the same
 * at construction time and at synthesis.
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(arn))}]`;
}
