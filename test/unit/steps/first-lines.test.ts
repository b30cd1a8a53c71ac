import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FirstLines } from '../../../lambdas/core/steps/first-lines.ts';

describe('FirstLines', () => {
  it('answers like a Map for any mix of integer and string identities, through growth', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -20, max: 20 }), fc.maxSafeInteger(), fc.maxSafeNat(), fc.string({ maxLength: 3 })), { maxLength: 20_000 }), (ids) => {
        const table = new FirstLines();
        const map = new Map<number | string, number>();
        ids.forEach((id, i) => {
          expect(table.get(id)).toBe(map.get(id));
          if (!map.has(id)) {
            map.set(id, i + 2);
            table.set(id, i + 2);
          }
        });
        for (const [id, line] of map) expect(table.get(id)).toBe(line);
        expect(table.get(1.5e15 + 7)).toBe(map.get(1.5e15 + 7));
      }),
      { numRuns: 30 },
    );
  });

  it('keeps 1,000,000 sequential ids apart', () => {
    const table = new FirstLines();
    for (let id = 1; id <= 1_000_000; id++) table.set(id, id + 1);
    expect(table.get(1)).toBe(2);
    expect(table.get(777_777)).toBe(777_778);
    expect(table.get(1_000_001)).toBeUndefined();
    expect(table.get(0)).toBeUndefined();
  });
});
