import { describe, expect, it } from 'vitest';
import { fixed, integer, percent, seconds, significant, timestamp } from '../../../lambdas/core/report/format.ts';

describe('report number formatting', () => {
  it('fixed decimals, with a dash for an undefined value and ∞ for infinity', () => {
    expect(fixed(0.91234)).toBe('0.912');
    expect(fixed(0.0123456, 4)).toBe('0.0123');
    expect(fixed(Number.NaN)).toBe('—');
    expect(fixed(Infinity)).toBe('∞');
    expect(fixed(-Infinity)).toBe('−∞');
  });

  it('significant digits without trailing zeros', () => {
    expect(significant(151.2934)).toBe('151.3');
    expect(significant(2.1)).toBe('2.1');
    expect(significant(0.000213456)).toBe('0.0002135');
  });

  it('integers with thousands separators, percentages, durations', () => {
    expect(integer(10000)).toBe('10,000');
    expect(percent(0.0339)).toBe('3.4%');
    expect(percent(0 / 0)).toBe('—');
    expect(seconds(0.844)).toBe('0.84 s');
    expect(seconds(84.37)).toBe('84.4 s');
    expect(seconds(125.4)).toBe('2 min 05 s');
  });

  it('timestamps in UTC, anything unparseable as given', () => {
    expect(timestamp('2026-11-26T20:26:18.412Z')).toBe('2026-11-26 20:26:18 UTC');
    expect(timestamp('yesterday-ish')).toBe('yesterday-ish');
  });
});
