import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Headless Chromium from Debian's packages (`chromium-headless-shell`, or `chromium`), driven by
 * its command line: a screenshot, the DOM after parsing, and the page's console (script errors,
 * resources the page's security policy refused). `.ci/run` installs it; PROGNOS_BROWSER names
 * another binary.
 */

const CANDIDATES = ['chromium-headless-shell', 'chromium', 'chromium-browser'];

/** The browser's path, or undefined when none is installed. */
export function findBrowser(): string | undefined {
  const named = process.env.PROGNOS_BROWSER;
  if (named) return existsSync(named) ? named : undefined;
  const dirs = (process.env.PATH ?? '').split(delimiter).concat('/usr/bin', '/usr/lib/chromium');
  for (const name of CANDIDATES) {
    for (const dir of dirs) if (existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export interface BrowserPage {
  /** What the page wrote to its console, and what the browser refused to load for it. */
  readonly console: readonly string[];
}

function run(browser: string, args: readonly string[], file: string): { stdout: string; console: string[] } {
  const result = spawnSync(
    browser,
    ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--enable-logging=stderr', '--v=0', ...args, pathToFileURL(file).href],
    { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${browser} exited with ${result.status}: ${result.stderr.slice(-2000)}`);
  // Console messages and refusals (CSP, failed loads) as the browser logs them; its own chatter (dbus, fonts) is not the page's.
  const console = result.stderr.split('\n').filter((line) => /:CONSOLE\(|:CONSOLE:|Refused to|net::ERR_/.test(line));
  return { stdout: result.stdout, console };
}

/** Loads `file` in a `width` × `height` viewport and writes the viewport as PNG to `png`. */
export function screenshot(browser: string, file: string, png: string, width: number, height: number): BrowserPage {
  return { console: run(browser, [`--window-size=${width},${height}`, `--screenshot=${png}`], file).console };
}

/** The DOM as the browser parsed it (after any script, of which reports have none). */
export function dumpDom(browser: string, file: string): BrowserPage & { readonly dom: string } {
  const { stdout, console } = run(browser, ['--dump-dom'], file);
  return { dom: stdout, console };
}
