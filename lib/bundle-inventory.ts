import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import { buildApp } from './app-builder.ts';
import { BUNDLE_FILE, bundleFunction, handlerEntry, WORKER_FILE } from './function-bundling.ts';
import { PrognosFunction } from './prognos-function.ts';

/**
 * Every Lambda bundle the app deploys, found in the app itself (each PrognosFunction with its
 * handler and worker flag), bundled with the construct's own bundling function. Used by
 * `npm run bundle:sizes` and by test/infra/bundles.test.ts.
 */

export interface AppFunction {
  readonly handler: string;
  readonly linalgWorker: boolean;
  /** Construct paths of the functions that deploy this bundle. */
  readonly paths: string[];
}

/** The distinct bundles of the app (bundling skipped while finding them). */
export function appFunctions(): AppFunction[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  buildApp(app, { stage: 'bundles', nag: false });
  const found = new Map<string, AppFunction>();
  for (const c of app.node.findAll()) {
    if (!(c instanceof PrognosFunction)) continue;
    const key = `${c.handlerName}:${c.linalgWorker}`;
    const entry = found.get(key) ?? { handler: c.handlerName, linalgWorker: c.linalgWorker, paths: [] };
    entry.paths.push(c.node.path);
    found.set(key, entry);
  }
  return [...found.values()].sort((a, b) => a.handler.localeCompare(b.handler));
}

export interface BundleSize {
  readonly handler: string;
  readonly linalgWorker: boolean;
  readonly paths: string[];
  /** Bytes of index.mjs, its source map, the worker (0 without), and all files deflated (≈ the zip). */
  readonly bundle: number;
  readonly sourceMap: number;
  readonly worker: number;
  readonly zipped: number;
  /** Source files esbuild read. */
  readonly inputs: number;
  readonly milliseconds: number;
  /** Forbidden package names found in the bundle's text (`@duckdb`, `aws-cdk-lib`, …). */
  readonly forbiddenText: string[];
  /** Why the bundle could not be built (the other fields are then 0). */
  readonly error?: string;
}

/** Bundles each app function into `<outdir>/<handler>/` and measures it; a failed bundle has an `error`. */
export function bundleAppFunctions(outdir: string, functions = appFunctions()): BundleSize[] {
  return functions.map((fn) => {
    const dir = join(outdir, fn.handler);
    const started = performance.now();
    let result: ReturnType<typeof bundleFunction>;
    try {
      result = bundleFunction({ entry: handlerEntry(fn.handler), outdir: dir, linalgWorker: fn.linalgWorker });
    } catch (err) {
      const error = (err as Error).message.replace(/\s+/g, ' ');
      return { ...fn, bundle: 0, sourceMap: 0, worker: 0, zipped: 0, inputs: 0, milliseconds: 0, forbiddenText: [], error };
    }
    const milliseconds = Math.round(performance.now() - started);
    const code = readFileSync(join(dir, BUNDLE_FILE), 'utf8') + (fn.linalgWorker ? readFileSync(join(dir, WORKER_FILE), 'utf8') : '');
    const zipped = Object.keys(result.outputs).reduce((sum, file) => sum + deflateRawSync(readFileSync(join(dir, file)), { level: 9 }).length, 0);
    return {
      handler: fn.handler,
      linalgWorker: fn.linalgWorker,
      paths: fn.paths,
      bundle: result.outputs[BUNDLE_FILE] ?? 0,
      sourceMap: result.outputs[`${BUNDLE_FILE}.map`] ?? 0,
      worker: result.outputs[WORKER_FILE] ?? 0,
      zipped,
      inputs: new Set(result.metafiles.flatMap((m) => Object.keys(m.inputs))).size,
      milliseconds,
      forbiddenText: FORBIDDEN_TEXT.filter((text) => code.includes(text)),
    };
  });
}

/** What must not appear anywhere in a bundle's code (an import of DuckDB or the CDK, even external). */
export const FORBIDDEN_TEXT = ['@duckdb', 'aws-cdk-lib'] as const;
