import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBatchReport } from '../../lambdas/core/report/batch/batch-report.ts';
import { renderReport } from '../../lambdas/core/report/model/render-report.ts';
import { dumpDom, findBrowser, screenshot } from '../support/browser.ts';
import { decodePng, type Rgba } from '../support/png.ts';
import { makeBatchData } from '../unit/report/batch-report-fixture.ts';
import { makeReportDataWithCandidates } from '../unit/report/report-fixture.ts';

/**
 * The model and batch reports in a real browser (headless Chromium from Debian's packages; `.ci/run`
 * installs it): it parses into the same sections and charts, its console stays empty (no script
 * error, nothing its security policy refused), and the screenshot shows drawn charts. The
 * screenshots go to PROGNOS_SCREENSHOT_DIR when set (a test artifact); PROGNOS_UPDATE_DOCS=1 also
 * writes the top of the page to docs/images/report-page.png.
 */

const browser = findBrowser();
const WIDTH = 1280;

/** Share of pixels that are not (near) white, and the number of distinct colours, in rows [from, to). */
function ink(image: Rgba, from: number, to: number): { share: number; colours: number } {
  let drawn = 0;
  const colours = new Set<number>();
  for (let y = from; y < to; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 4;
      const [r, g, b] = [image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]];
      if (r < 245 || g < 245 || b < 245) drawn++;
      colours.add((r << 16) | (g << 8) | b);
    }
  }
  return { share: drawn / ((to - from) * image.width), colours: colours.size };
}

function lastInkedRow(image: Rgba): number {
  for (let y = image.height - 1; y >= 0; y--) {
    if (ink(image, y, y + 1).share > 0) return y;
  }
  return -1;
}

describe.skipIf(browser === undefined)('reports in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prognos-browser-'));
  const shots = process.env.PROGNOS_SCREENSHOT_DIR ?? dir;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Loads `page` in the browser and checks it as a reader would see it; returns the screenshot's path. */
  function checkInBrowser(page: string, name: string, expectedSections: readonly string[]): string {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, page);

    // Hostile strings in the data (a <script> in a file name) stay text: nothing runs, nothing is refused.
    const parsed = dumpDom(browser!, file);
    expect(parsed.console).toEqual([]);
    const sectionIds = (html: string) => [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);
    expect(sectionIds(parsed.dom)).toEqual(sectionIds(page));
    expect(sectionIds(page)).toEqual(expect.arrayContaining([...expectedSections]));
    const svgs = (html: string) => (html.match(/<svg[\s>]/g) ?? []).length;
    expect(svgs(parsed.dom)).toBe(svgs(page));
    expect(svgs(page)).toBeGreaterThanOrEqual(3);
    expect(parsed.dom).not.toMatch(/<script/i);

    // Tall enough for the whole page: the charts sit below the header and the tables.
    const height = 16_000;
    mkdirSync(shots, { recursive: true });
    const png = join(shots, `${name}.png`);
    expect(screenshot(browser!, file, png, WIDTH, height).console).toEqual([]);
    const image = decodePng(readFileSync(png));
    expect([image.width, image.height]).toEqual([WIDTH, height]);
    // The page ends where the ink ends; every third of it carries text and coloured marks, not a blank or one-colour area.
    const end = lastInkedRow(image) + 1;
    expect(end).toBeGreaterThan(2000);
    for (const third of [0, 1, 2]) {
      const { share, colours } = ink(image, Math.floor((third * end) / 3), Math.floor(((third + 1) * end) / 3));
      expect(share, `ink in third ${third}`).toBeGreaterThan(0.01);
      expect(colours, `colours in third ${third}`).toBeGreaterThan(50);
    }
    return file;
  }

  it('the model report parses into every section and chart, logs nothing to its console, and draws its charts', async () => {
    const file = checkInBrowser(await renderReport(makeReportDataWithCandidates()), 'model-report', ['models', 'curves']);
    if (process.env.PROGNOS_UPDATE_DOCS === '1') {
      screenshot(browser!, file, join(import.meta.dirname, '..', '..', 'docs', 'images', 'report-page.png'), WIDTH, 2400);
    }
  }, 240_000);

  it('the batch report likewise, with its drift charts and work list', async () => {
    checkInBrowser(await renderBatchReport(makeBatchData()), 'batch-report', ['drift']);
  }, 240_000);
});
