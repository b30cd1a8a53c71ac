import { stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LINEAGE_COLUMN_NAMES } from '../../../lambdas/core/contract/names.ts';
import { featureTableColumns } from '../../../lambdas/core/contract/table.ts';
import { AI4I_SOURCE_COLUMNS, type Ai4iSourceRecord } from '../../../lambdas/cli/sample-data/ai4i.ts';
import { decodeParquet } from '../../../lambdas/core/data/parquet.ts';
import { UnusableFileError } from '../../../lambdas/core/errors.ts';
import { type QuarantinedRow, validateAndIngest } from '../../../lambdas/core/steps/ingest.ts';
import {
  createPipelineFixture,
  FIXED_NOW,
  LANDED_AT,
  type PipelineFixture,
  sampleCsv,
  sampleRecords,
  toCsv,
} from '../../support/pipeline-fixture.ts';

const HEADER = AI4I_SOURCE_COLUMNS.join(',');

function csvLine(record: Ai4iSourceRecord): string {
  return AI4I_SOURCE_COLUMNS.map((column) => String(record[column])).join(',');
}

describe('ValidateAndIngest', () => {
  let fx: PipelineFixture;
  beforeEach(async () => {
    fx = await createPipelineFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  const ingest = (key: string) => validateAndIngest({ key, runName: 'test-run' }, fx.context);

  describe('a valid file', () => {
    it('becomes Parquet under lake/features/dt=<upload date>/ with typed contract columns and lineage', async () => {
      const records = sampleRecords(25, 3);
      const key = await fx.land('plant-a.csv', toCsv(records), { at: new Date('2026-02-14T23:59:00Z') });
      const result = await ingest(key);

      expect(result).toMatchObject({ key, status: 'ingested', rowsRead: 25, rowsValid: 25, rowsQuarantined: 0, quarantineKeys: [], reason: null });
      expect(result.featureKeys).toHaveLength(1);
      expect(result.featureKeys[0]).toMatch(/^lake\/features\/dt=2026-02-14\/[0-9a-f]{32}-0000\.parquet$/);
      expect(await fx.keys('lake/features/')).toEqual(result.featureKeys);
      expect(await fx.keys('lake/quarantine/')).toEqual([]);

      const rows = await decodeParquet(await fx.bytesOf(result.featureKeys[0]));
      expect(rows).toHaveLength(25);
      // Exactly the contract's columns plus lineage: no dropped source column (TWF, Product ID) survives.
      expect(Object.keys(rows[0]).sort()).toEqual(featureTableColumns(fx.contract).map((c) => c.name).sort());
      for (const name of LINEAGE_COLUMN_NAMES) expect(rows[0]).toHaveProperty(name);

      const third = rows.find((row) => row.udi === 3)!;
      const source = records[2];
      expect(third).toEqual({
        udi: 3,
        air_temperature_k: source['Air temperature [K]'],
        process_temperature_k: source['Process temperature [K]'],
        rotational_speed_rpm: source['Rotational speed [rpm]'],
        torque_nm: source['Torque [Nm]'],
        tool_wear_min: source['Tool wear [min]'],
        product_type: source.Type,
        machine_failure: source['Machine failure'],
        source_key: key,
        source_line: 4, // header is line 1
        ingested_at: FIXED_NOW,
      });
      expect(typeof third.udi).toBe('number');
      expect(rows.map((row) => row.source_line)).toEqual(Array.from({ length: 25 }, (_, i) => i + 2));
    });

    it('leaves the landing file byte for byte (and its mtime) as it was', async () => {
      const key = await fx.land('plant-a.csv', sampleCsv(30, 1));
      const before = await fx.bytesOf(key);
      const mtimeBefore = (await stat(fx.pathOf(key))).mtimeMs;
      await ingest(key);
      expect(Buffer.compare(await fx.bytesOf(key), before)).toBe(0);
      expect((await stat(fx.pathOf(key))).mtimeMs).toBe(mtimeBefore);
      expect(await fx.keys('landing/')).toEqual([key]);
    });

    it('ingests the same bytes once, under the same key or another', async () => {
      const csv = sampleCsv(30, 1);
      const first = await ingest(await fx.land('one.csv', csv));
      const lakeBefore = (await fx.store.list('lake/')).filter((o) => !o.key.startsWith('lake/ingested/files/'));
      expect(lakeBefore.length).toBeGreaterThan(0);

      const again = await ingest('landing/training/one.csv');
      const copyKey = await fx.land('copy/renamed.csv', csv, { at: new Date('2026-03-02T09:00:00Z') });
      const copy = await ingest(copyKey);

      expect(again).toMatchObject({ status: 'already-ingested', key: 'landing/training/one.csv', sha256: first.sha256, rowsValid: 30 });
      expect(copy).toMatchObject({ status: 'already-ingested', key: copyKey, sha256: first.sha256, featureKeys: first.featureKeys });
      // Nothing new, nothing rewritten, apart from the record of which content each key had.
      expect((await fx.store.list('lake/')).filter((o) => !o.key.startsWith('lake/ingested/files/'))).toEqual(lakeBefore);
      expect(await fx.keys('lake/ingested/files/')).toEqual([`lake/ingested/files/${copyKey}.json`, 'lake/ingested/files/landing/training/one.csv.json']);
      expect(fx.progress.filter((e) => e.kind === 'message' && e.text.includes('ingested before'))).toHaveLength(2);
    });
  });

  describe('bad rows', () => {
    it('go to quarantine with line, source and reason; the good rows are still ingested', async () => {
      const records = sampleRecords(10, 1).map((r) => ({ ...r }));
      records[2]['Air temperature [K]'] = 1000; // line 4: out of range
      records[4]['Torque [Nm]'] = 'abc'; // line 6: not a number
      records[5].Type = 'X'; // line 7: unknown level
      records[6]['Machine failure'] = 'yes'; // line 8: not a label token
      const duplicate = { ...records[0] }; // line 12: UDI 1 again
      const short = csvLine(sampleRecords(11, 1)[10]).split(',').slice(0, -1).join(','); // line 13: 13 fields
      const csv = [HEADER, ...records.map(csvLine), csvLine(duplicate), short].join('\n') + '\n';
      const key = await fx.land('mixed.csv', csv);

      const result = await ingest(key);
      expect(result).toMatchObject({ status: 'ingested', rowsRead: 12, rowsValid: 6, rowsQuarantined: 6 });
      expect(result.quarantineKeys).toHaveLength(1);
      expect(result.quarantineKeys[0]).toMatch(/^lake\/quarantine\/dt=2026-03-02\/[0-9a-f]{32}-0000\.jsonl$/);

      const lines = (await fx.bytesOf(result.quarantineKeys[0])).toString('utf8').trimEnd().split('\n');
      const quarantined = lines.map((line) => JSON.parse(line) as QuarantinedRow);
      expect(quarantined.map((row) => row.line)).toEqual([4, 6, 7, 8, 12, 13]);
      for (const row of quarantined) expect(row.source).toBe(key);
      const reasons = quarantined.map((row) => row.reason);
      expect(reasons[0]).toBe('air_temperature_k = 1000 is outside its valid range 250…350 K');
      expect(reasons[1]).toBe("torque_nm is not a number: 'abc'");
      expect(reasons[2]).toContain("product_type = 'X' is not a known level (L, M, H)");
      expect(reasons[3]).toContain("machine_failure = 'yes' is not a label token");
      expect(reasons[4]).toBe('duplicate reading: udi 1 already appears on line 2');
      expect(reasons[5]).toBe('wrong number of fields: expected 14 (one per header column), got 13');
      // The raw values come along, so the row can be fixed and uploaded again.
      expect(quarantined[1].values['Torque [Nm]']).toBe('abc');
      expect(quarantined[1].values.UDI).toBe('5');

      const rows = await decodeParquet(await fx.bytesOf(result.featureKeys[0]));
      expect(rows.map((row) => row.udi)).toEqual([1, 2, 4, 8, 9, 10]);
      expect(rows.find((row) => row.udi === 1)!.source_line).toBe(2);
    });
  });

  describe('quoting faults cost their own line only', () => {
    it('an unbalanced quote on line 11 of 401 quarantines line 11 and ingests the other 399 rows', async () => {
      const records = sampleRecords(400, 4);
      const lines = [HEADER, ...records.map(csvLine)];
      lines[10] = lines[10].replace(',L,', ',"L,').replace(',M,', ',"M,').replace(',H,', ',"H,');
      lines[200] = lines[200].replace(/^(\d+),/, '$1",'); // a stray quote inside the first field
      const key = await fx.land('quotes.csv', lines.join('\n') + '\n');
      const result = await ingest(key);
      expect(result).toMatchObject({ status: 'ingested', rowsRead: 400, rowsValid: 398, rowsQuarantined: 2 });
      const quarantined = (await fx.bytesOf(result.quarantineKeys[0])).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as QuarantinedRow);
      expect(quarantined.map((row) => [row.line, row.reason.split(':')[0]])).toEqual([
        [11, 'unbalanced quote'],
        [201, 'stray quote in field 1'],
      ]);
      expect(quarantined[0].raw).toBe(lines[10]);
      const rows = await decodeParquet(await fx.bytesOf(result.featureKeys[0]));
      expect(rows).toHaveLength(398);
      expect(rows.map((row) => row.source_line)).not.toContain(11);
      expect(rows.map((row) => row.source_line)).toContain(12);
    });

    it('a quoted field with a comma or an escaped quote is read as RFC 4180 says', async () => {
      const record = sampleRecords(1, 1)[0];
      const fields = AI4I_SOURCE_COLUMNS.map((column) => String(record[column]));
      fields[1] = '"M1,""x"""'; // Product ID (dropped by the contract) holds a comma and a quote
      const key = await fx.land('quoted.csv', `${HEADER}\n${fields.join(',')}\n`);
      await expect(ingest(key)).resolves.toMatchObject({ status: 'ingested', rowsValid: 1, rowsQuarantined: 0 });
    });

    it('a row with no valid reading is quarantined like any other; the file is still ingested', async () => {
      const good = sampleRecords(5, 1);
      const key = await fx.land('all-bad.csv', [HEADER, ...good.map((r) => csvLine({ ...r, 'Rotational speed [rpm]': -5 }))].join('\n'));
      const result = await ingest(key);
      expect(result).toMatchObject({ status: 'ingested', rowsRead: 5, rowsValid: 0, rowsQuarantined: 5, featureKeys: [] });
    });
  });

  describe('a file that cannot be used is set aside whole, and the run goes on', () => {
    const good = sampleRecords(5, 1);
    const cases: [string, string | Uint8Array, RegExp][] = [
      ['an empty file', '', /empty\.csv is empty/],
      ['a header only', `${HEADER}\n`, /has a header but no data rows/],
      ['binary content', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]), /is not a CSV text file: line 1: binary data/],
      ['text that is not UTF-8', Uint8Array.from([0x55, 0x44, 0x49, 0xe9, 0x0a, 0x31]), /is not a CSV text file: line 1: not UTF-8 text/],
      ['an unbalanced quote in the header', `UDI,"Type\n${csvLine(good[0])}\n`, /the header \(line 1\) is not valid CSV: unbalanced quote/],
      ['a hostname', 'build-host-7\n', /the header does not match the data contract/],
      [
        'missing columns',
        toCsv(good).replace(HEADER, HEADER.replace(',Torque [Nm]', '')).split('\n').map((line, i) => (i === 0 ? line : line.split(',').filter((_, j) => j !== 6).join(','))).join('\n'),
        /missing required column 'Torque \[Nm\]' \(torque_nm\)/,
      ],
      [
        'an unknown column not listed under drop',
        [`${HEADER},Operator`, ...good.map((r) => `${csvLine(r)},alice`)].join('\n'),
        /unknown column 'Operator': list it under drop in the contract 'ai4i2020'/,
      ],
    ];

    it.each(cases)('%s', async (_what, body, message) => {
      const name = _what === 'an empty file' ? 'empty.csv' : 'bad.csv';
      const key = await fx.land(name, body);
      const result = await ingest(key);
      expect(result).toMatchObject({ key, status: 'quarantined', rowsValid: 0, featureKeys: [], setAsideKey: `lake/quarantine/files/${key}.json` });
      expect(result.reason).toMatch(message);
      // Whatever went wrong, the reason names the file.
      expect(result.reason).toContain(key);
      // Only the record of the file set aside is written; the file stays where it landed.
      expect(await fx.keys('lake/')).toEqual([`lake/quarantine/files/${key}.json`]);
      const record = JSON.parse((await fx.bytesOf(result.setAsideKey!)).toString('utf8')) as { kind: string; reason: string; sha256: string };
      expect(record).toMatchObject({ kind: 'unusable', reason: result.reason, sha256: result.sha256 });
      expect(await fx.keys('landing/')).toEqual([key]);
    });

    it('a later run skips it without reading it again, and says why', async () => {
      const key = await fx.land('late.csv', `${HEADER}\n`);
      const first = await ingest(key);
      const again = await ingest(key);
      expect(again).toEqual(first);
      expect(fx.progress.some((e) => e.kind === 'message' && e.text.startsWith(`${key}: set aside 2026-03-02, skipped: `))).toBe(true);
      expect(await fx.keys('lake/')).toEqual([`lake/quarantine/files/${key}.json`]);
    });

    it('a key with no object is an error of the run, not of a file', async () => {
      const error = await ingest('landing/training/never-uploaded.csv').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnusableFileError);
      expect((error as Error).message).toBe('landing/training/never-uploaded.csv does not exist in the landing zone');
      expect(await fx.keys('lake/')).toEqual([]);
    });

    it('a key outside landing/ is refused before anything is read', async () => {
      await expect(ingest('lake/features/x.csv')).rejects.toThrow(/reads landing files only/);
    });

    it('a fixed copy under another name is ingested', async () => {
      await ingest(await fx.land('late.csv', `${HEADER}\n`));
      const fixed = await fx.land('late-fixed.csv', toCsv(good));
      await expect(ingest(fixed)).resolves.toMatchObject({ status: 'ingested', rowsValid: 5 });
    });
  });

  describe('a landing file edited after ingest', () => {
    it('is set aside with a clear message naming its stale rows, which stay in the lake', async () => {
      const key = await fx.land('plant.csv', sampleCsv(20, 3));
      const first = await ingest(key);
      // Edited in place behind the landing zone's back (landing files are create-only for Prognos).
      await fx.store.put(key, sampleCsv(21, 3));
      const edited = await ingest(key);
      expect(edited).toMatchObject({ status: 'quarantined', rowsValid: 0, setAsideKey: `lake/quarantine/files/${key}.json` });
      expect(edited.sha256).not.toBe(first.sha256);
      expect(edited.reason).toContain(`${key} changed after it was ingested on 2026-03-02`);
      expect(edited.reason).toContain(`its 20 rows from the earlier content stay in the lake (${first.featureKeys[0]})`);
      const record = JSON.parse((await fx.bytesOf(edited.setAsideKey!)).toString('utf8')) as { kind: string; staleRows: unknown };
      expect(record).toMatchObject({ kind: 'edited', staleRows: { sha256: first.sha256, rows: 20, featureKeys: first.featureKeys } });
      // Nothing of the new content reached the lake.
      expect(await fx.keys('lake/features/')).toEqual(first.featureKeys);
      await expect(ingest(key)).resolves.toMatchObject({ status: 'quarantined' });
    });
  });

  it('partitions by the upload date of the landing file', async () => {
    const { featureKeys } = await ingest(await fx.land('a.csv', sampleCsv(5, 2)));
    expect(featureKeys[0]).toContain(`dt=${LANDED_AT.toISOString().slice(0, 10)}/`);
  });
});
