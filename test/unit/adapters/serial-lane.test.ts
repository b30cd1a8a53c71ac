import { describe, expect, it } from 'vitest';
import { SerialLane } from '../../../lambdas/adapters/local/serial-lane.ts';

describe('SerialLane', () => {
  it('runs work one at a time, in the order it was started, whatever each takes', async () => {
    const lane = new SerialLane();
    const events: string[] = [];
    const task = (name: string, ms: number) =>
      lane.run(async () => {
        events.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        events.push(`${name} end`);
        return name;
      });
    const results = await Promise.all([task('logistic', 30), task('boosting', 1), task('gp', 5)]);
    expect(results).toEqual(['logistic', 'boosting', 'gp']);
    expect(events).toEqual(['logistic start', 'logistic end', 'boosting start', 'boosting end', 'gp start', 'gp end']);
  });

  it('gives a failure to its caller and goes on with the next', async () => {
    const lane = new SerialLane();
    const failed = lane.run(async () => {
      throw new RangeError('boom');
    });
    const next = lane.run(async () => 'ran');
    await expect(failed).rejects.toThrow(RangeError);
    await expect(next).resolves.toBe('ran');
  });
});
