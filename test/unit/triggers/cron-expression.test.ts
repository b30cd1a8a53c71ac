import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { CronExpressionError, eventBridgeSchedule, localCronPattern, toEventBridgeCron, toUnixCron } from '../../../lambdas/core/triggers/cron-expression.ts';

/** Pairs that mean the same schedule: Unix (croner) and EventBridge. */
const SAME: [string, string][] = [
  ['0 3 * * *', 'cron(0 3 * * ? *)'],
  ['30 2 * * 1-5', 'cron(30 2 ? * 2-6 *)'],
  ['0 6 1 * *', 'cron(0 6 1 * ? *)'],
  ['0 0 * * 0', 'cron(0 0 ? * 1 *)'],
  ['0 0 * * 6', 'cron(0 0 ? * 7 *)'],
  ['0 0 * * 1,3,5', 'cron(0 0 ? * 2,4,6 *)'],
  ['0 0 * * MON-FRI', 'cron(0 0 ? * MON-FRI *)'],
  ['*/15 8-18 * * *', 'cron(*/15 8-18 * * ? *)'],
  ['0 0 L * *', 'cron(0 0 L * ? *)'],
  ['0 12 * 1,7 *', 'cron(0 12 * 1,7 ? *)'],
  ['0 0 * * */2', 'cron(0 0 ? * 1/2 *)'],
];

/** The weekdays (0 = Sunday) of the next fourteen ticks of a Unix pattern, from a fixed Monday, UTC. */
function weekdays(pattern: string): number[] {
  return new Cron(pattern, { timezone: 'UTC' }).nextRuns(14, new Date('2026-01-05T00:00:00Z')).map((date) => date.getUTCDay());
}

describe('one cron syntax', () => {
  it.each(SAME)('%s is %s, both ways', (unix, eventBridge) => {
    expect(toEventBridgeCron(unix)).toBe(eventBridge);
    expect(toUnixCron(eventBridge)).toBe(unix);
  });

  it('weekday numbers move by one, Sunday first in both (croner reads the converted patterns)', () => {
    expect(new Set(weekdays(toUnixCron('cron(0 9 ? * 2-6 *)')))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(new Set(weekdays(toUnixCron('cron(0 9 ? * 1,7 *)')))).toEqual(new Set([0, 6]));
    expect(new Set(weekdays(toUnixCron('cron(0 9 ? * 1/2 *)')))).toEqual(new Set([0, 2, 4, 6]));
    expect(new Set(weekdays('0 9 * * */2'))).toEqual(new Set([0, 2, 4, 6]));
  });

  it("EventBridge's start/step becomes croner's */step or start-max/step", () => {
    expect(toUnixCron('cron(0/15 * * * ? *)')).toBe('*/15 * * * *');
    expect(toUnixCron('cron(5/15 1/6 * * ? *)')).toBe('5-59/15 1-23/6 * * *');
    expect(toUnixCron('cron(0 0 ? * 2/2 *)')).toBe('0 0 * * 1-6/2');
    expect(() => new Cron(toUnixCron('cron(5/15 1/6 * * ? *)'))).not.toThrow();
  });

  it('Unix 7 is Sunday, and a range through Sunday is split, as EventBridge ranges do not wrap', () => {
    expect(toEventBridgeCron('0 0 * * 7')).toBe('cron(0 0 ? * 1 *)');
    expect(toEventBridgeCron('0 0 * * 5-7')).toBe('cron(0 0 ? * 6-7,1 *)');
    expect(toEventBridgeCron('0 0 * * 4-7')).toBe('cron(0 0 ? * 5-7,1 *)');
  });

  it('refuses what the other form cannot say, with a CronExpressionError that says why', () => {
    const refused = (run: () => string, why: RegExp) => {
      expect(run).toThrow(CronExpressionError);
      expect(run).toThrow(why);
    };
    refused(() => toEventBridgeCron('0 3 1 * 1'), /restricts both the day of the month and the weekday/);
    refused(() => toUnixCron('cron(0 3 * * ? 2027)'), /a year \(2027\)/);
    refused(() => toUnixCron('cron(0 3 * * * *)'), /\? in exactly one/);
    refused(() => toUnixCron('cron(0 3 ? * 6#3 *)'), /L, W or #/);
    refused(() => toEventBridgeCron('0 0 3 * * *'), /expected 5 fields/);
    refused(() => toUnixCron('cron(0 3 * * ?)'), /expected 6 fields/);
    refused(() => toEventBridgeCron('0 0 * * 8'), /weekday 8 is out of range/);
    refused(() => localCronPattern('rate(1 day)'), /rate\(…\) is for the CDK context only/);
    expect(new CronExpressionError('x').name).toBe('CronExpressionError');
  });

  it('each place takes either form: the local scheduler a Unix pattern, EventBridge cron(…) or rate(…)', () => {
    expect(localCronPattern('cron(0 3 * * ? *)')).toBe('0 3 * * *');
    expect(localCronPattern(' 0 3 * * * ')).toBe('0 3 * * *');
    expect(eventBridgeSchedule('0 3 * * *')).toBe('cron(0 3 * * ? *)');
    expect(eventBridgeSchedule('cron(0 3 * * ? *)')).toBe('cron(0 3 * * ? *)');
    expect(eventBridgeSchedule('rate(12 hours)')).toBe('rate(12 hours)');
  });
});
