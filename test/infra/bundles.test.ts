/**
 * The one infra test that really bundles: every Lambda of the app, with the construct's own
 * bundling function (lib/function-bundling.ts), as `cdk synth` and `npm run bundle:sizes` do.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { appFunctions, bundleAppFunctions, type BundleSize } from '../../lib/bundle-inventory.ts';
import { BUNDLE_FILE, ESM_BANNER, HANDLERS_DIR, PROJECT_ROOT, WORKER_FILE } from '../../lib/function-bundling.ts';
import { tempDir } from './app.ts';

const outdir = tempDir();
const functions = appFunctions();
let sizes: BundleSize[] | undefined;
const bundled = () => (sizes ??= bundleAppFunctions(outdir, functions));

describe('Lambda bundles', () => {
  it('finds the twenty functions of the app, Train and Evaluate with the linear-algebra worker', () => {
    expect(functions.map((f) => f.handler)).toEqual([
      'build-training-set',
      'compute-drift',
      'evaluate',
      'gate',
      'list-new-files',
      'predict',
      'promote',
      'record-batch-failure',
      'record-failure',
      'score-file',
      'split-and-scale',
      'start-batch',
      'start-retrain',
      'start-training',
      'train',
      'train-boosting',
      'train-logistic',
      'validate-and-ingest',
      'write-batch-report',
      'write-report',
    ]);
    expect(functions.every((f) => f.paths.length === 1)).toBe(true);
    expect(functions.filter((f) => f.linalgWorker).map((f) => f.handler)).toEqual(['evaluate', 'train']);
  });

  it('deploys every file at the top of lambdas/handlers/, and only those (support modules live in handlers/support/)', () => {
    const files = readdirSync(join(PROJECT_ROOT, HANDLERS_DIR), { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => entry.name.slice(0, -'.ts'.length))
      .sort((a, b) => a.localeCompare(b));
    expect(functions.map((f) => f.handler)).toEqual(files);
  });

  it('bundles every handler, none with DuckDB or the CDK inside', { timeout: 240_000 }, () => {
    const results = bundled();
    expect(results.filter((r) => r.error !== undefined).map((r) => `${r.handler}: ${r.error}`)).toEqual([]);
    for (const r of results) {
      expect(r.forbiddenText, r.handler).toEqual([]);
      expect(r.bundle, r.handler).toBeGreaterThan(10_000);
      // Far below Lambda's 50 MB zip / 250 MB unzipped limits; a jump here means a heavy import.
      expect(r.zipped, r.handler).toBeLessThan(5 * 1024 * 1024);
    }
  });

  it('each bundle is ESM (index.mjs) with the require banner, a linked source map, and canvas left external', () => {
    for (const r of bundled().filter((x) => x.error === undefined)) {
      const code = readFileSync(join(outdir, r.handler, BUNDLE_FILE), 'utf8');
      expect(code.startsWith(ESM_BANNER), r.handler).toBe(true);
      expect(code, r.handler).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      expect(code.trimEnd().endsWith(`//# sourceMappingURL=${BUNDLE_FILE}.map`), r.handler).toBe(true);
      expect(existsSync(join(outdir, r.handler, `${BUNDLE_FILE}.map`))).toBe(true);
      if (r.handler === 'write-report' || r.handler === 'write-batch-report') expect(code).toMatch(/import\(\s*"canvas"\s*\)/);
    }
  });

  it('Train and Evaluate carry the worker next to index.mjs, point parallel.ts at it, and it starts', async () => {
    for (const handler of ['train', 'evaluate']) {
      const dir = join(outdir, handler);
      const code = readFileSync(join(dir, BUNDLE_FILE), 'utf8');
      expect(code).toContain(`"./${WORKER_FILE}"`);
      expect(code).not.toContain('./linalg-worker.ts');
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toEqual({ type: 'module' });

      // The worker signals Ready (slot 9 of the control block) once its module has loaded.
      const control = new Int32Array(new SharedArrayBuffer(16 * 4));
      const channel = new MessageChannel();
      const worker = new Worker(pathToFileURL(join(dir, WORKER_FILE)), { workerData: { control: control.buffer, port: channel.port2 }, transferList: [channel.port2] });
      const errors: Error[] = [];
      worker.on('error', (e) => errors.push(e));
      const deadline = Date.now() + 10_000;
      while (Atomics.load(control, 9) !== 1 && Date.now() < deadline && errors.length === 0) await new Promise((r) => setTimeout(r, 20));
      await worker.terminate();
      channel.port1.close();
      expect(errors).toEqual([]);
      expect(Atomics.load(control, 9), handler).toBe(1);
    }
    for (const handler of ['gate', 'predict', 'score-file']) expect(existsSync(join(outdir, handler, WORKER_FILE))).toBe(false);
  });
});
