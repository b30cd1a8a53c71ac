import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface RenderedChart {
  readonly svg: string;
  /** What Vega-Lite and Vega warned about (an empty chart, a dropped encoding): empty for a sound spec. */
  readonly warnings: readonly string[];
}

/** Collects warnings instead of printing them, so callers (and tests) can see them. */
function collectingLogger(warnings: string[]): vega.LoggerInterface {
  return vega.logger(vega.Warn, undefined, (method, _level, args) => {
    if (method === 'error') throw new Error(args.map(String).join(' '));
    warnings.push(args.map(String).join(' '));
  });
}

/** A loader that refuses every request: the report's data is inline, and rendering must never reach out. */
function offlineLoader(): vega.Loader {
  const refuse = (uri: string): Promise<never> => Promise.reject(new Error(`report charts load nothing; refused ${uri}`));
  return { ...vega.loader(), load: refuse, sanitize: refuse, file: refuse, http: refuse };
}

/**
 * Renames the SVG's ids (clip paths, gradients) to `<scope>-1`, `<scope>-2`, … in order of
 * appearance. Vega numbers them with process-wide counters: several charts inlined in one page
 * must not share an id (a chart would clip with another's rectangle), and the same data should
 * give the same bytes on every run.
 */
export function scopeIds(svg: string, scope: string): string {
  const renamed = new Map<string, string>();
  for (const [, id] of svg.matchAll(/(?<=\s)id="([^"]+)"/g)) {
    if (!renamed.has(id)) renamed.set(id, `${scope}-${renamed.size + 1}`);
  }
  if (renamed.size === 0) return svg;
  return svg.replace(/((?<=\s)id="|url\(#|href="#)([^")]+)/g, (match, prefix: string, id: string) => {
    const to = renamed.get(id);
    return to === undefined ? match : prefix + to;
  });
}

/**
 * Compiles a Vega-Lite spec to Vega and renders it headless to SVG. `renderer: 'none'` needs no
 * DOM and no canvas: without the optional `canvas` package Vega estimates text widths, which is
 * close enough for axis labels and legends. `scope` prefixes the SVG's ids (see {@link scopeIds}).
 */
export async function renderSvg(spec: TopLevelSpec, scope: string): Promise<RenderedChart> {
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const vegaSpec = compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none', logger, loader: offlineLoader() });
  try {
    return { svg: scopeIds(await view.toSVG(), scope), warnings };
  } finally {
    view.finalize();
  }
}
