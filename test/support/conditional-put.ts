/**
 * One writer of the cross-process race in fs-object-store.test.ts. Run as
 * `node --import tsx conditional-put.ts <root> <create|match:<etag>> <body> <key>…`: it prints
 * `ready`, waits for a line on stdin (so every writer starts at once), then makes one conditional
 * put per key, all at once, and prints per key, in order, `won <etag>` or `lost`. Several keys
 * make several independent races per process start. Any other failure exits non-zero.
 */
import { createInterface } from 'node:readline';
import { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.ts';
import { PreconditionFailedError, type PutOptions } from '../../lambdas/core/ports/object-store.ts';

const [root, mode, body, ...keys] = process.argv.slice(2);
if (root === undefined || mode === undefined || body === undefined || keys.length === 0) {
  console.error('usage: conditional-put.ts <root> <create|match:<etag>> <body> <key>…');
  process.exit(2);
}
const options: PutOptions = mode === 'create' ? { ifNoneMatch: '*' } : { ifMatch: mode.replace(/^match:/, '') };
const store = new FsObjectStore(root);

const lines = createInterface({ input: process.stdin });
console.log('ready');
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
const verdicts = await Promise.all(
  keys.map(async (key) => {
    try {
      const { etag } = await store.put(key, body, options);
      return `won ${etag}`;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      return 'lost';
    }
  }),
);
console.log(verdicts.join('\n'));
