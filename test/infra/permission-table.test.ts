import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testApp } from './app.ts';
import { permissionTable, TABLE_BEGIN, TABLE_END } from './permission-table.ts';

const PAGE = new URL('../../docs/architecture.md', import.meta.url);

describe('the permission table of docs/architecture.md', () => {
  it("is each function's role policy in the synthesized templates, statement by statement", () => {
    const { templates } = testApp();
    const generated = permissionTable([templates.pipeline.toJSON(), templates.api.toJSON()]);
    const page = readFileSync(PAGE, 'utf8');
    const start = page.indexOf(TABLE_BEGIN);
    const end = page.indexOf(TABLE_END);
    expect(start, `docs/architecture.md has no ${TABLE_BEGIN}`).toBeGreaterThanOrEqual(0);
    const current = page.slice(start, end + TABLE_END.length);
    // PROGNOS_UPDATE_DOCS=1 rewrites the table after a deliberate change to a grant.
    if (process.env.PROGNOS_UPDATE_DOCS === '1' && current !== generated) writeFileSync(PAGE, page.replace(current, generated));
    else expect(current, 'the grants changed: rerun this test with PROGNOS_UPDATE_DOCS=1 and review the diff of docs/architecture.md').toBe(generated);
  });
});
