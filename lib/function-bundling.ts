import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, type Metafile, buildSync } from 'esbuild';

/**
 * How every Lambda is bundled: one esbuild configuration, used by the shared function construct
 * (lib/prognos-function.ts, at `cdk synth`) and by `npm run bundle:sizes`, so the bundles the
 * script measures are the bundles that are deployed.
 */

export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const HANDLERS_DIR = 'lambdas/handlers';
/** The linear-algebra worker (lambdas/core/ml/parallel.ts starts it), bundled next to the handlers that fit GPs. */
export const LINALG_WORKER_ENTRY = 'lambdas/core/ml/linalg-worker.ts';
/** Node major version of the Lambda runtime; esbuild's target. Keep in step with the function's runtime. */
export const NODE_TARGET = 'node24';
/** The bundle's file and the handler's export: Lambda's `index.handler` loads `index.mjs` as ESM. */
export const BUNDLE_FILE = 'index.mjs';
/** The worker's bundle, and the URL parallel.ts uses for it (relative to its own module). */
export const WORKER_FILE = 'linalg-worker.js';
const WORKER_SOURCE_URL = './linalg-worker.ts';

/**
 * Packages that must never reach a Lambda bundle: DuckDB is the local stand-in for Athena (a
 * 70 MB native module), the CDK is build-time only. Checked on esbuild's list of inputs.
 */
export const FORBIDDEN_PACKAGES = ['@duckdb/', 'aws-cdk-lib', 'cdk-nag', 'constructs', 'aws-local-stepfunctions'] as const;

/**
 * Vega (the report charts) does `await import('canvas')` at module level and draws without it when
 * the import fails; `canvas` is a native module we do not ship, so it stays an (absent) external.
 * The AWS SDK v3 is bundled, at the versions package-lock.json pins, rather than taken from the
 * runtime, whose SDK version changes under us.
 */
export const EXTERNAL_MODULES = ['canvas'] as const;

/**
 * ESM needs `require` for the CommonJS packages inside the bundle (they `require('node:…')`).
 * The alias keeps the banner from clashing with a bundled `import { createRequire }`.
 */
export const ESM_BANNER = "import { createRequire as __prognosCreateRequire } from 'node:module'; const require = __prognosCreateRequire(import.meta.url);";

/** The esbuild options of every handler bundle. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: NODE_TARGET,
  // Prefer packages' ESM builds (tree-shaken better), then their CommonJS.
  mainFields: ['module', 'main'],
  banner: { js: ESM_BANNER },
  external: [...EXTERNAL_MODULES],
  // Error classes are matched by name in the state machine's Retry/Catch, and names read better in traces.
  keepNames: true,
  minify: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'silent',
  absWorkingDir: PROJECT_ROOT,
} as const satisfies BuildOptions;

/** The handler source of a Lambda: `lambdas/handlers/<name>.ts`. */
export function handlerEntry(name: string): string {
  return `${HANDLERS_DIR}/${name}.ts`;
}

export interface BundleRequest {
  /** Handler file, relative to the project root (`lambdas/handlers/train.ts`). */
  readonly entry: string;
  /** Directory that receives `index.mjs` (and the worker), with their source maps. */
  readonly outdir: string;
  /** Also bundle the linear-algebra worker, for handlers that fit or score large GPs. */
  readonly linalgWorker?: boolean;
}

export interface BundleResult {
  /** esbuild's metafile of each build (the handler, and the worker if any). */
  readonly metafiles: Metafile[];
  /** Output file name → bytes. */
  readonly outputs: Record<string, number>;
}

/**
 * Bundles one handler, synchronously (CDK's local bundling hook is synchronous, and esbuild's
 * synchronous API takes no plugins), and checks the result: throws if a forbidden package was
 * bundled or if the worker could not be wired in.
 */
export function bundleFunction(request: BundleRequest): BundleResult {
  const build = (entry: string, name: string, outExtension: string) =>
    buildSync({ ...BUNDLE_OPTIONS, entryPoints: { [name]: entry }, outdir: request.outdir, outExtension: { '.js': outExtension } }).metafile;
  const metafiles = [build(request.entry, 'index', '.mjs')];
  if (request.linalgWorker) {
    metafiles.push(build(LINALG_WORKER_ENTRY, 'linalg-worker', '.js'));
    wireWorker(request.outdir);
  }
  const problems = [...new Set(metafiles.flatMap(forbiddenInputs))].sort();
  if (problems.length > 0) {
    throw new Error(`${request.entry}: the bundle must not contain ${problems.join(', ')}; a handler imports local-only or build-time code`);
  }
  const outputs: Record<string, number> = {};
  for (const file of readdirSync(request.outdir)) outputs[file] = statSync(join(request.outdir, file)).size;
  return { metafiles, outputs };
}

/** The forbidden packages among a bundle's inputs (by their node_modules path). */
export function forbiddenInputs(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    for (const name of FORBIDDEN_PACKAGES) {
      if (input.includes(`node_modules/${name}`)) found.add(name.replace(/\/$/, ''));
    }
  }
  return [...found].sort();
}

/**
 * parallel.ts starts its worker with `new URL('./linalg-worker.ts', import.meta.url)`: right when
 * run from source (tsx), but in a bundle import.meta.url is `index.mjs`. The worker is bundled as
 * ESM into `linalg-worker.js` next to it, a `package.json` with `"type": "module"` makes Node load
 * that `.js` as ESM, and the one URL in `index.mjs` is pointed at it (same length, so the source
 * map stays exact). If the URL ever changes in the source, bundling fails here rather than the
 * Lambda silently running single-threaded.
 */
function wireWorker(outdir: string): void {
  const file = join(outdir, BUNDLE_FILE);
  const code = readFileSync(file, 'utf8');
  const occurrences = code.split(WORKER_SOURCE_URL).length - 1;
  if (occurrences !== 1) {
    throw new Error(`expected '${WORKER_SOURCE_URL}' once in the bundle of lambdas/core/ml/parallel.ts, found it ${occurrences} times; update lib/function-bundling.ts`);
  }
  writeFileSync(file, code.replace(WORKER_SOURCE_URL, `./${WORKER_FILE}`));
  writeFileSync(join(outdir, 'package.json'), '{ "type": "module" }\n');
}
