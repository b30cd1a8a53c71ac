#!/usr/bin/env -S npx tsx
// The CDK app (cdk.json: "app": "npx tsx bin/app.ts"). This is the only file that reads context or
// the environment; everything else receives plain, typed configuration through buildApp.
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app-builder.ts';
import { parseConfig, type PrognosConfig } from '../lib/config.ts';

const app = new App();
let config: PrognosConfig;
try {
  config = parseConfig((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
} catch (err) {
  // A plain message instead of a stack trace: this is a usage error.
  console.error((err as Error).message);
  process.exit(1);
}
// The account and region the CLI resolved from the caller's credentials, when there are any;
// without them (CI, offline synth) the stacks are environment-agnostic.
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
buildApp(app, { ...config, env: account && region ? { account, region } : undefined });
app.synth();
