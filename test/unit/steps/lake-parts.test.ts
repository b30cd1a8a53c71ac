import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeParquet } from '../../../lambdas/core/data/parquet.ts';
import type { TableColumn } from '../../../lambdas/core/data/table-column.ts';
import { JsonLinesPartWriter, ParquetPartWriter } from '../../../lambdas/core/steps/lake-parts.ts';
import { createPipelineFixture, type PipelineFixture } from '../../support/pipeline-fixture.ts';

const COLUMNS: TableColumn[] = [
  { name: 'id', type: 'bigint', nullable: false },
  { name: 'x', type: 'double', nullable: false },
];

describe('part writers', () => {
  let fx: PipelineFixture;
  beforeEach(async () => {
    fx = await createPipelineFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  it('hold at most rowsPerPart rows across folders, name parts per folder in order, and lose no row', async () => {
    const writer = new ParquetPartWriter(fx.store, 'abc', COLUMNS, 4);
    // 7 rows to folder a, 3 to folder b, interleaved.
    const rows = Array.from({ length: 10 }, (_, i) => ({ folder: i % 3 === 2 ? 'lake/features/dt=b/' : 'lake/features/dt=a/', row: { id: i, x: i / 10 } }));
    for (const { folder, row } of rows) await writer.add(folder, row);
    const keys = await writer.finish();
    const read = async (key: string) => (await decodeParquet(await fx.bytesOf(key))).map((row) => row.id as number);
    const parts = await Promise.all(keys.map(async (key) => ({ key, ids: await read(key) })));
    for (const { ids } of parts) expect(ids.length).toBeLessThanOrEqual(4);
    for (const folder of ['lake/features/dt=a/', 'lake/features/dt=b/']) {
      const inFolder = parts.filter((part) => part.key.startsWith(folder));
      // Parts numbered 0000, 0001, … in each folder, and read in that order they give the folder's rows in arrival order.
      expect(inFolder.map((part) => part.key)).toEqual(inFolder.map((_, n) => `${folder}abc-${String(n).padStart(4, '0')}.parquet`));
      expect(inFolder.flatMap((part) => part.ids)).toEqual(rows.filter((r) => r.folder === folder).map((r) => r.row.id));
    }
  });

  it('write the same keys and bytes for the same input (a retry overwrites a crashed attempt)', async () => {
    const write = async () => {
      const writer = new JsonLinesPartWriter<{ line: number }>(fx.store, 'q', 2);
      for (let line = 2; line < 7; line++) await writer.add('lake/quarantine/dt=2026-03-02/', { line });
      return writer.finish();
    };
    const first = await write();
    const bytes = await Promise.all(first.map((key) => fx.bytesOf(key)));
    expect(await write()).toEqual(first);
    expect(await Promise.all(first.map((key) => fx.bytesOf(key)))).toEqual(bytes);
    expect(bytes.map((b) => b.toString('utf8'))).toEqual(['{"line":2}\n{"line":3}\n', '{"line":4}\n{"line":5}\n', '{"line":6}\n']);
  });

  it('write nothing for no rows', async () => {
    expect(await new ParquetPartWriter(fx.store, 'none', COLUMNS).finish()).toEqual([]);
    expect(await fx.keys('lake/')).toEqual([]);
  });
});
