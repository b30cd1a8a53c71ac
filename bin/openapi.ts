#!/usr/bin/env -S npx tsx
// `npm run openapi`: writes docs/openapi.json, the prediction API's OpenAPI document for the
// default data contract (what `GET /openapi.json` answers with a default-contract champion).
// `npm run openapi -- --check` only compares, and exits 1 when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONTRACT } from '../lambdas/core/contract/contract.ts';
import { openApiDocument } from '../lambdas/core/serving/openapi.ts';

export const OPENAPI_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

/** The text docs/openapi.json must hold. */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(DEFAULT_CONTRACT), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = openApiText();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OPENAPI_FILE, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== text) {
      console.error(`${OPENAPI_FILE} is not the generated document: run npm run openapi`);
      process.exit(1);
    }
    console.log(`${OPENAPI_FILE} is current`);
  } else {
    writeFileSync(OPENAPI_FILE, text);
    console.log(`wrote ${OPENAPI_FILE}`);
  }
}
