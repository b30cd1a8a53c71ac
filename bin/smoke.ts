#!/usr/bin/env -S npx tsx
// `npm run smoke -- --stage dev [--outputs cdk-outputs.json] [--timeout-minutes 30]`: checks a
// deployed stage end to end with the caller's AWS credentials (lambdas/cli/smoke.ts says what it
// checks). Deploy with `npx cdk deploy --all --outputs-file cdk-outputs.json` first. Exits 1 when
// a check fails.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { parseStage } from '../lib/config.ts';
import { runSmoke, smokeTargets } from '../lambdas/cli/smoke.ts';

type Bytes = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Bytes): string | Uint8Array =>
  typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** SHA-256 (and HMAC-SHA-256 with a secret) from node:crypto, as SignatureV4 wants it. */
class Sha256 {
  readonly #hash;
  constructor(secret?: Bytes) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Bytes): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { stage: { type: 'string' }, outputs: { type: 'string', default: 'cdk-outputs.json' }, 'timeout-minutes': { type: 'string', default: '30' } } });
  const stage = parseStage(values.stage);
  const minutes = Number(values['timeout-minutes']);
  if (!(minutes > 0)) throw new RangeError(`--timeout-minutes must be a positive number, got ${values['timeout-minutes']}`);
  let outputs: unknown;
  try {
    outputs = JSON.parse(readFileSync(values.outputs, 'utf8'));
  } catch (error) {
    throw new TypeError(`cannot read the stack outputs ${values.outputs} (npx cdk deploy --all --outputs-file ${values.outputs}): ${(error as Error).message}`, { cause: error });
  }
  const targets = smokeTargets(outputs, stage);
  const region = new URL(targets.apiUrl).hostname.split('.')[2];
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: defaultProvider(), sha256: Sha256 });
  const checks = await runSmoke(
    targets,
    {
      s3: new S3Client({ region }),
      sfn: new SFNClient({ region }),
      athena: new AthenaClient({ region }),
      async request(url, { method, body, signed }) {
        const u = new URL(url);
        const headers: Record<string, string> = { host: u.host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
        const request = { method, protocol: u.protocol, hostname: u.hostname, path: u.pathname, headers, ...(body === undefined ? {} : { body }) };
        const sent = signed ? await signer.sign(request) : request;
        const response = await fetch(url, { method, headers: sent.headers, body });
        return { status: response.status, text: await response.text() };
      },
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      report: (check) => console.log(`${check.passed ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`),
    },
    { timeoutMs: minutes * 60_000 },
  );
  const passed = checks.filter((c) => c.passed).length;
  console.log(`${passed} of ${checks.length} checks passed${checks.every((c) => c.passed) ? '' : ' (a failed check stops the rest)'}`);
  return checks.every((c) => c.passed) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A usage or configuration error: its message, not a stack trace.
    console.error((error as Error).message);
    process.exit(1);
  },
);
