/**
 * Property: a valid landing file with k rows corrupted at random (quotes, field counts, types,
 * ranges, encodings) loses exactly those k lines — each quarantined with its own line number —
 * and every other row comes through exactly as written, in ingest, in batch scoring and in
 * `prognos predict`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPredict } from '../../../lambdas/cli/predict.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { AI4I_SOURCE_COLUMNS, type Ai4iSourceRecord } from '../../../lambdas/cli/sample-data/ai4i.ts';
import { decodeParquet } from '../../../lambdas/core/data/parquet.ts';
import type { TableRow } from '../../../lambdas/core/data/table-column.ts';
import { scoreFile } from '../../../lambdas/core/steps/batch/score-file.ts';
import { validateAndIngest } from '../../../lambdas/core/steps/ingest.ts';
import type { QuarantinedRow } from '../../../lambdas/core/steps/readings-csv.ts';
import { type BatchFixture, createBatchFixture } from '../../support/batch-fixture.ts';
import { sampleRecords } from '../../support/pipeline-fixture.ts';

const CORRUPTIONS = [
  'unbalanced quote',
  'stray quote',
  'extra field',
  'missing field',
  'not a number',
  'out of range',
  'unknown level',
  'not a label',
  'bad UTF-8',
  'NUL byte',
] as const;
type Corruption = (typeof CORRUPTIONS)[number];

const COLUMN = Object.fromEntries(AI4I_SOURCE_COLUMNS.map((name, i) => [name, i])) as Record<(typeof AI4I_SOURCE_COLUMNS)[number], number>;
const NUMERIC_COLUMNS = [COLUMN['Air temperature [K]'], COLUMN['Process temperature [K]'], COLUMN['Rotational speed [rpm]'], COLUMN['Torque [Nm]'], COLUMN['Tool wear [min]']];

interface LandingCase {
  readonly rows: number;
  readonly seed: number;
  readonly crlf: boolean;
  readonly finalNewline: boolean;
  /** Columns written quoted ("L") in the good rows: legal quoting must not cost a row. */
  readonly quotedColumns: readonly number[];
  readonly corrupted: readonly { readonly row: number; readonly how: Corruption; readonly pick: number }[];
}

const landingCase: fc.Arbitrary<LandingCase> = fc
  .record({ rows: fc.integer({ min: 2, max: 30 }), seed: fc.integer({ min: 1, max: 10_000 }), crlf: fc.boolean(), finalNewline: fc.boolean() })
  .chain((base) =>
    fc.record({
      rows: fc.constant(base.rows),
      seed: fc.constant(base.seed),
      crlf: fc.constant(base.crlf),
      finalNewline: fc.constant(base.finalNewline),
      quotedColumns: fc.uniqueArray(fc.integer({ min: 0, max: AI4I_SOURCE_COLUMNS.length - 1 }), { maxLength: 4 }),
      corrupted: fc.uniqueArray(fc.record({ row: fc.integer({ min: 0, max: base.rows - 1 }), how: fc.constantFrom(...CORRUPTIONS), pick: fc.nat() }), {
        selector: (c) => c.row,
        maxLength: Math.min(6, base.rows - 1),
      }),
    }),
  );

const encoder = new TextEncoder();

/** The line's bytes after the corruption; every corruption makes the row invalid on its own. */
function corruptLine(fields: string[], how: Corruption, pick: number): Uint8Array {
  const f = [...fields];
  const any = pick % f.length;
  switch (how) {
    case 'unbalanced quote':
      f[any] = `"${f[any]}`;
      break;
    case 'stray quote':
      f[any] = `${f[any].slice(0, 1)}"${f[any].slice(1)}`;
      break;
    case 'extra field':
      f.push('extra');
      break;
    case 'missing field':
      f.splice(any, 1);
      break;
    case 'not a number':
      f[NUMERIC_COLUMNS[pick % NUMERIC_COLUMNS.length]] = ['abc', '1,5'.replace(',', ';'), 'NaN', ''][pick % 4];
      break;
    case 'out of range':
      f[COLUMN['Air temperature [K]']] = '1000';
      break;
    case 'unknown level':
      f[COLUMN.Type] = 'X';
      break;
    case 'not a label':
      f[COLUMN['Machine failure']] = 'yes';
      break;
    case 'bad UTF-8':
    case 'NUL byte': {
      const bytes = encoder.encode(f.join(','));
      const at = pick % (bytes.length + 1);
      const bad = how === 'NUL byte' ? [0x00] : [[0xff], [0xc3], [0xe2, 0x82]][pick % 3];
      return Uint8Array.from([...bytes.subarray(0, at), ...bad, ...bytes.subarray(at)]);
    }
  }
  return encoder.encode(f.join(','));
}

interface Built {
  readonly bytes: Uint8Array;
  readonly records: Ai4iSourceRecord[];
  /** Physical line of each row (the header is line 1). */
  readonly lineOf: (row: number) => number;
  readonly badLines: number[];
  readonly goodRows: number[];
}

function build(c: LandingCase, firstUdi: number): Built {
  const records = sampleRecords(c.rows, c.seed, firstUdi);
  const eol = encoder.encode(c.crlf ? '\r\n' : '\n');
  const lines: Uint8Array[] = [encoder.encode(AI4I_SOURCE_COLUMNS.join(','))];
  const how = new Map(c.corrupted.map((x) => [x.row, x]));
  records.forEach((record, row) => {
    const fields = AI4I_SOURCE_COLUMNS.map((column) => String(record[column]));
    const corruption = how.get(row);
    if (corruption !== undefined) lines.push(corruptLine(fields, corruption.how, corruption.pick));
    else lines.push(encoder.encode(fields.map((v, j) => (c.quotedColumns.includes(j) ? `"${v}"` : v)).join(',')));
  });
  const parts: number[] = [];
  lines.forEach((line, i) => {
    parts.push(...line);
    if (i < lines.length - 1 || c.finalNewline) parts.push(...eol);
  });
  const goodRows = records.map((_, row) => row).filter((row) => !how.has(row));
  return { bytes: Uint8Array.from(parts), records, lineOf: (row) => row + 2, badLines: [...how.keys()].map((row) => row + 2).sort((a, b) => a - b), goodRows };
}

/** The reading a good row must become, column for column. */
function expectedReading(record: Ai4iSourceRecord): TableRow {
  return {
    udi: Number(record.UDI),
    air_temperature_k: Number(record['Air temperature [K]']),
    process_temperature_k: Number(record['Process temperature [K]']),
    rotational_speed_rpm: Number(record['Rotational speed [rpm]']),
    torque_nm: Number(record['Torque [Nm]']),
    tool_wear_min: Number(record['Tool wear [min]']),
    product_type: String(record.Type),
    machine_failure: Number(record['Machine failure']),
  };
}

async function jsonLines(fx: BatchFixture, keys: readonly string[]): Promise<QuarantinedRow[]> {
  const rows: QuarantinedRow[] = [];
  for (const key of keys) {
    for (const line of (await fx.bytesOf(key)).toString('utf8').trimEnd().split('\n')) rows.push(JSON.parse(line) as QuarantinedRow);
  }
  return rows;
}

const RUNS = 25;
let fx: BatchFixture;
let serial = 0;
/** Each case gets ids of its own, so no two cases share content (ingest and scoring are idempotent by content). */
const nextFirstUdi = (): number => 1 + 1000 * serial++;

beforeAll(async () => {
  fx = await createBatchFixture();
  await fx.promoteChampion();
});
afterAll(async () => {
  await fx.close();
});

describe('corrupting k rows of a landing file costs exactly those k lines', () => {
  it('in ingest: the lake holds every other row as written, quarantine exactly the corrupted lines', async () => {
    await fc.assert(
      fc.asyncProperty(landingCase, async (c) => {
        const built = build(c, nextFirstUdi());
        const key = await fx.land(`case-${serial}.csv`, built.bytes);
        const result = await validateAndIngest({ key, runName: 'property-run' }, fx.context);
        expect(result.status).toBe('ingested');
        const quarantined = await jsonLines(fx, result.quarantineKeys);
        expect(quarantined.map((row) => row.line).sort((a, b) => a - b)).toEqual(built.badLines);
        for (const row of quarantined) expect(row.source).toBe(key);

        const lake: TableRow[] = [];
        for (const featureKey of result.featureKeys) lake.push(...(await decodeParquet(await fx.bytesOf(featureKey))));
        lake.sort((a, b) => (a.source_line as number) - (b.source_line as number));
        expect(lake.map(({ source_key, source_line, ingested_at: _at, ...reading }) => ({ ...reading, source_key, source_line }))).toEqual(
          built.goodRows.map((row) => ({ ...expectedReading(built.records[row]), source_key: key, source_line: built.lineOf(row) })),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('in batch scoring: predictions for every other row, quarantine exactly the corrupted lines', async () => {
    await fc.assert(
      fc.asyncProperty(landingCase, async (c) => {
        const built = build(c, nextFirstUdi());
        const key = await fx.landInference(`case-${serial}.csv`, built.bytes);
        await scoreFile({ key, batchName: `infer-${String(serial).padStart(24, '0')}` }, fx.batchContext);
        const marker = (await fx.keys('lake/scored/')).length; // one marker per scored content
        expect(marker).toBeGreaterThan(0);
        const predictionKeys = (await fx.keys('lake/predictions/')).filter((k) => k.endsWith('.parquet'));
        const predictions: TableRow[] = [];
        for (const predictionKey of predictionKeys) predictions.push(...(await decodeParquet(await fx.bytesOf(predictionKey))).filter((row) => row.source_key === key));
        expect(predictions.map((row) => [row.source_line, row.udi]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual(
          built.goodRows.map((row) => [built.lineOf(row), Number(built.records[row].UDI)]),
        );
        const quarantineKeys = (await fx.keys('lake/quarantine/')).filter((k) => k.endsWith('.inference.jsonl'));
        const quarantined = (await jsonLines(fx, quarantineKeys)).filter((row) => row.source === key);
        expect(quarantined.map((row) => row.line).sort((a, b) => a - b)).toEqual(built.badLines);
      }),
      { numRuns: RUNS },
    );
  });

  it('in prognos predict: the same probabilities as for the clean rows alone, and exactly the corrupted lines refused', async () => {
    await fc.assert(
      fc.asyncProperty(landingCase, async (c) => {
        const firstUdi = nextFirstUdi();
        const built = build(c, firstUdi);
        const clean = build({ ...c, corrupted: [] }, firstUdi);
        const file = join(fx.root, `predict-${serial}.csv`);
        const cleanFile = join(fx.root, `predict-${serial}-clean.csv`);
        await writeFile(file, built.bytes);
        await writeFile(cleanFile, clean.bytes);
        const io = { out: () => undefined, err: () => undefined };
        const options = { home: fx.root, contract: DEFAULT_CONTRACT, format: 'json' as const };
        const expected = (await runPredict({ ...options, file: cleanFile }, io)).predictions;
        let refused: number[] = [];
        let rows;
        try {
          rows = (await runPredict({ ...options, file }, io)).predictions;
        } catch (error) {
          // Refused rows are listed (line and reason) after the scored ones are written out.
          refused = [...(error as Error).message.matchAll(/line (\d+): /g)].map((m) => Number(m[1]));
          const scored: unknown[] = [];
          await runPredict({ ...options, file }, { out: (text) => void scored.push(JSON.parse(text)), err: () => undefined }).catch(() => undefined);
          rows = (scored[0] as { predictions: typeof expected }).predictions;
        }
        expect(refused.sort((a, b) => a - b)).toEqual(built.badLines);
        const good = new Set(built.goodRows.map((row) => Number(built.records[row].UDI)));
        expect(rows).toEqual(expected.filter((row) => good.has(row.id as number)));
      }),
      { numRuns: RUNS },
    );
  });
});
