#!/usr/bin/env -S npx tsx
// The CDK app (cdk.json: "app": "npx tsx bin/app.ts"). This is the only file that reads context or
// the environment; everything else receives plain, typed configuration through buildApp.
import { App } from 'aws-cdk-lib';
import { buildApp, parseStage } from '../lib/app-builder.ts';

const app = new App();
let stage: string;
try {
  stage = parseStage(app.node.tryGetContext('prognos:stage'));
} catch (err) {
  // A plain message instead of a stack trace: this is a usage error.
  console.error((err as Error).message);
  process.exit(1);
}
buildApp(app, { stage });
app.synth();
