/**
 * One cron syntax for both runtimes. The local scheduler (`prognos schedule --cron`, croner) reads
 * the Unix form, five fields `minute hour day-of-month month day-of-week`; EventBridge (the CDK
 * context's `prognos:trainingSchedule`) reads `cron(minute hour day-of-month month day-of-week year)`.
 * Each place accepts both and converts here. The two differ in three ways:
 *
 * - EventBridge numbers the weekdays 1-7 from Sunday, Unix 0-7 from Sunday (0 and 7 both Sunday);
 *   names (MON-SUN) mean the same in both.
 * - EventBridge wants `?` in one of day-of-month and day-of-week; Unix has no `?`, and a pattern
 *   that restricts both means "either" there, which EventBridge cannot say: refused.
 * - EventBridge has a year field; the local form has none, so only `*` converts.
 *
 * `L` (last day of the month) converts; `W`, `L` on a weekday and `#` are refused rather than
 * guessed at.
 */

export class CronExpressionError extends RangeError {
  override readonly name = 'CronExpressionError';
}

const EVENTBRIDGE = /^cron\((.*)\)$/;
/** One field's characters: numbers, names, `*`, `?`, ranges, lists, steps, `L`, `W`, `#`. */
const FIELD = /^[0-9A-Za-z*?,/#-]+$/;

/** True for EventBridge's `cron(…)` form. */
export function isEventBridgeCron(expression: string): boolean {
  return EVENTBRIDGE.test(expression.trim());
}

function fieldsOf(text: string, count: number, form: string): string[] {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== count || fields.some((field) => !FIELD.test(field))) {
    throw new CronExpressionError(`'${text.trim()}' is not ${form}: expected ${count} fields`);
  }
  return fields;
}

/** A weekday list/range/step moved from one numbering to the other; names pass through. */
function convertWeekdays(field: string, shift: 1 | -1, expression: string): string {
  if (field === '*' || field === '?') return '*';
  if (/[LW#]/i.test(field)) throw new CronExpressionError(`'${expression}': weekday '${field}' (L, W or #) has no equal in the other cron form; write the days out`);
  const day = (text: string): string => {
    if (!/^\d+$/.test(text)) return text.toUpperCase();
    const n = Number(text);
    // Unix 0-7 (0 and 7: Sunday) → EventBridge 1-7; EventBridge 1-7 → Unix 0-6.
    if (shift === 1 ? n > 7 : n < 1 || n > 7) throw new CronExpressionError(`'${expression}': weekday ${n} is out of range`);
    return String(shift === 1 ? (n % 7) + 1 : n - 1);
  };
  return field
    .split(',')
    .flatMap((part) => {
      const [range, step] = part.split('/');
      if (range === '*') return [step === undefined ? '*' : `${shift === 1 ? 1 : 0}/${step}`];
      const [from, to] = range!.split('-');
      if (to === undefined) return [`${day(from!)}${step === undefined ? '' : `/${step}`}`];
      const [a, b] = [day(from!), day(to)];
      // Unix 5-7 (Friday to Sunday) is 6-7 and 1 in EventBridge: a range may not wrap.
      if (shift === 1 && /^\d+$/.test(b) && Number(b) < Number(a)) {
        if (step !== undefined) throw new CronExpressionError(`'${expression}': a stepped weekday range through Sunday does not convert; list the days`);
        return [`${a}-7`, b === '1' ? '1' : `1-${b}`];
      }
      return [`${a}-${b}${step === undefined ? '' : `/${step}`}`];
    })
    .join(',');
}

/**
 * The local scheduler's pattern (five Unix fields) for an EventBridge `cron(…)` expression.
 * @throws CronExpressionError when it is malformed or uses what the Unix form cannot say
 */
export function toUnixCron(expression: string): string {
  const match = EVENTBRIDGE.exec(expression.trim());
  if (match === null) throw new CronExpressionError(`'${expression}' is not an EventBridge cron(…) expression`);
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fieldsOf(match[1]!, 6, 'an EventBridge cron expression (minute hour day-of-month month day-of-week year)');
  if (year !== '*') throw new CronExpressionError(`'${expression}': a year (${year}) has no place in a local schedule; use *`);
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) throw new CronExpressionError(`'${expression}': EventBridge needs ? in exactly one of day-of-month and day-of-week`);
  const fields: [string, number, number][] = [
    [minute!, 0, 59],
    [hour!, 0, 23],
    [dayOfMonth === '?' ? '*' : dayOfMonth!, 1, 31],
    [month!, 1, 12],
    [convertWeekdays(dayOfWeek!, -1, expression), 0, 6],
  ];
  return fields.map(([field, min, max]) => openSteps(field, min, max)).join(' ');
}

/** EventBridge's `start/step` (e.g. `0/15`) as croner takes it: `*\/step` from the field's first value, else `start-max/step`. */
function openSteps(field: string, min: number, max: number): string {
  return field
    .split(',')
    .map((part) => part.replace(/^(\d+)\/(\d+)$/, (_, start: string, step: string) => (Number(start) === min ? `*/${step}` : `${start}-${max}/${step}`)))
    .join(',');
}

/**
 * The EventBridge `cron(…)` expression for a five-field Unix pattern.
 * @throws CronExpressionError when it is malformed or uses what EventBridge cannot say
 */
export function toEventBridgeCron(expression: string): string {
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fieldsOf(expression, 5, 'a cron pattern (minute hour day-of-month month day-of-week)');
  const anyDay = (field: string) => field === '*' || field === '?';
  if (!anyDay(dayOfMonth!) && !anyDay(dayOfWeek!)) {
    throw new CronExpressionError(`'${expression.trim()}' restricts both the day of the month and the weekday, which EventBridge cannot combine; keep one and put * in the other`);
  }
  const [monthDay, weekday] = anyDay(dayOfWeek!) ? [dayOfMonth === '?' ? '*' : dayOfMonth, '?'] : ['?', convertWeekdays(dayOfWeek!, 1, expression.trim())];
  return `cron(${[minute, hour, monthDay, month, weekday, '*'].join(' ')})`;
}

/** Either form, as the local scheduler (croner) reads it: `cron(…)` converted, a Unix pattern as given. */
export function localCronPattern(expression: string): string {
  if (isEventBridgeCron(expression)) return toUnixCron(expression);
  if (/^rate\(/.test(expression.trim())) throw new CronExpressionError(`'${expression}': rate(…) is for the CDK context only; give a cron pattern such as '0 3 * * *'`);
  return expression.trim();
}

/** Either form, as EventBridge reads it: a Unix pattern converted, `cron(…)` and `rate(…)` as given. */
export function eventBridgeSchedule(expression: string): string {
  const text = expression.trim();
  if (isEventBridgeCron(text) || /^rate\(/.test(text)) return text;
  return toEventBridgeCron(text);
}
