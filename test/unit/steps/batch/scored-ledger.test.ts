import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bareEtag, LEDGER_PREFIX, ledgerEntryKey } from '../../../../lambdas/core/storage-keys.ts';

const keyHash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);

describe('the scored-files ledger: entry names', () => {
  it('names an entry by the key’s hash and the bare ETag, as S3 lists it (quoted) or not', () => {
    const key = 'landing/inference/2026/03/a.csv';
    expect(ledgerEntryKey(key, '"d41d8cd98f00b204e9800998ecf8427e"')).toBe(`${LEDGER_PREFIX}${keyHash(key)}/d41d8cd98f00b204e9800998ecf8427e.json`);
    expect(ledgerEntryKey(key, 'd41d8cd98f00b204e9800998ecf8427e')).toBe(ledgerEntryKey(key, '"d41d8cd98f00b204e9800998ecf8427e"'));
  });

  it('keeps a multipart ETag as it is, and hashes one with other characters', () => {
    expect(bareEtag('"9b2cf535f27731c974343645a3985328-12"')).toBe('9b2cf535f27731c974343645a3985328-12');
    expect(bareEtag('W/"a b"')).toBe(createHash('sha256').update('W/"a b').digest('hex'));
  });

  it('gives two versions of one key two entries in one folder, and two keys two folders', () => {
    const a = ledgerEntryKey('landing/inference/a.csv', '"1"');
    const b = ledgerEntryKey('landing/inference/a.csv', '"2"');
    const other = ledgerEntryKey('landing/inference/b.csv', '"1"');
    expect(a).not.toBe(b);
    expect(a.slice(0, a.lastIndexOf('/'))).toBe(b.slice(0, b.lastIndexOf('/')));
    expect(other.slice(0, other.lastIndexOf('/'))).not.toBe(a.slice(0, a.lastIndexOf('/')));
  });

  it('refuses an empty ETag', () => {
    expect(() => bareEtag('""')).toThrow(RangeError);
  });
});
