import { describe, expect, it } from 'vitest';
import { splitCsvLine } from '../../../lambdas/core/data/csv-fields.ts';
import { type PhysicalLine, physicalLines } from '../../../lambdas/core/data/csv-lines.ts';

const encoder = new TextEncoder();

async function linesOf(chunks: (string | Uint8Array)[], maxLineBytes?: number): Promise<PhysicalLine[]> {
  async function* source(): AsyncIterable<Uint8Array> {
    for (const chunk of chunks) yield typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
  }
  const out: PhysicalLine[] = [];
  for await (const line of physicalLines(source(), maxLineBytes === undefined ? {} : { maxLineBytes })) out.push(line);
  return out;
}

describe('physicalLines', () => {
  it('numbers LF and CRLF lines from 1, keeps blank lines, drops a BOM and the empty line after the last LF', async () => {
    expect(await linesOf(['\uFEFFa,b\r\n1,2\n\n3,4\n'])).toEqual([
      { kind: 'text', line: 1, text: 'a,b' },
      { kind: 'text', line: 2, text: '1,2' },
      { kind: 'text', line: 3, text: '' },
      { kind: 'text', line: 4, text: '3,4' },
    ]);
  });

  it('joins a line split across chunks, even inside a multi-byte character', async () => {
    const bytes = encoder.encode('h\nTemp °C,x\nlast');
    const cut = bytes.indexOf(0xb0); // the second byte of '°'
    expect(await linesOf([bytes.subarray(0, 3), bytes.subarray(3, cut), bytes.subarray(cut)])).toEqual([
      { kind: 'text', line: 1, text: 'h' },
      { kind: 'text', line: 2, text: 'Temp °C,x' },
      { kind: 'text', line: 3, text: 'last' },
    ]);
  });

  it('reports a line of bad UTF-8 or with a NUL byte as a fault of that line only', async () => {
    const bad = Uint8Array.from([0x31, 0x2c, 0xff, 0xfe, 0x0a]);
    const lines = await linesOf(['a,b\n', bad, '2,\u0000\n', '3,x\n']);
    expect(lines.map((l) => [l.line, l.kind])).toEqual([
      [1, 'text'],
      [2, 'fault'],
      [3, 'fault'],
      [4, 'text'],
    ]);
    expect(lines[1]).toMatchObject({ reason: expect.stringMatching(/not UTF-8/), raw: '1,\uFFFD\uFFFD' });
    expect(lines[2]).toMatchObject({ reason: expect.stringMatching(/NUL byte/) });
  });

  it('skips an over-long line without holding it, and goes on at the next line', async () => {
    const long = 'x'.repeat(100);
    const lines = await linesOf(['a\n', long.slice(0, 30), long.slice(30), '\nb\n', long], 64);
    expect(lines.map((l) => [l.line, l.kind])).toEqual([
      [1, 'text'],
      [2, 'fault'],
      [3, 'text'],
      [4, 'fault'],
    ]);
    expect(lines[1]).toMatchObject({ reason: 'the line is longer than 64 bytes' });
  });
});

describe('splitCsvLine', () => {
  it.each([
    ['1,2,3', ['1', '2', '3']],
    ['1,,3,', ['1', '', '3', '']],
    ['"a,b",c', ['a,b', 'c']],
    ['"say ""hi""",2', ['say "hi"', '2']],
    ['x,"",y', ['x', '', 'y']],
    ['"M",', ['M', '']],
    ['', ['']],
  ])('splits %j', (text, fields) => {
    expect(splitCsvLine(text)).toEqual({ ok: true, fields });
  });

  it.each([
    ['1,"abc,3', /unbalanced quote: the quote that opens field 2/],
    ['1,ab"c,3', /stray quote in field 2/],
    ['1,"ab"c,3', /stray text after the closing quote of field 2/],
    ['"a""', /unbalanced quote: the quote that opens field 1/],
    ['"a",b"', /stray quote in field 2/],
  ])('refuses %j', (text, reason) => {
    const result = splitCsvLine(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });
});
