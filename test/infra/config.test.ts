import { describe, expect, it } from 'vitest';
import { CONTEXT_DEFAULTS, CONTEXT_KEYS, defaultConfig, parseConfig, type ContextKey } from '../../lib/config.ts';

const read = (context: Partial<Record<ContextKey, unknown>>) => (key: ContextKey) => context[key];

describe('parseConfig (the cdk.json context)', () => {
  it('fills every absent key with its documented default', () => {
    expect(parseConfig(read({ 'prognos:stage': 'dev' }))).toEqual({
      stage: 'dev',
      alarmEmail: undefined,
      trainingSchedule: 'cron(0 3 * * ? *)',
      apiAuth: 'iam',
      apiThrottle: { rateLimit: 50, burstLimit: 100 },
      apiQuotaPerDay: 100_000,
      apiWaf: false,
      logRetentionDays: 30,
      logLevel: 'INFO',
      pipelineConfig: {},
      batchSchedule: undefined,
      batchConfig: {},
      athenaScanLimitBytes: 10 * 1024 ** 3,
      trainMemoryMb: 10_240,
      landingArchiveDays: 90,
      trainingSetRetentionDays: 90,
      apiCorsOrigins: [],
      predictReservedConcurrency: undefined,
    });
    expect(defaultConfig('dev')).toEqual(parseConfig(read({ 'prognos:stage': 'dev' })));
  });

  it('every key is prefixed prognos: and documented with a default (stage, alarm e-mail: none)', () => {
    for (const key of CONTEXT_KEYS) expect(key).toMatch(/^prognos:[a-zA-Z]+$/);
    expect(Object.entries(CONTEXT_DEFAULTS).filter(([, v]) => v === undefined).map(([k]) => k)).toEqual(['prognos:stage', 'prognos:alarmEmail']);
  });

  it('accepts JSON types from cdk.json and strings from -c key=value alike', () => {
    const fromJson = parseConfig(
      read({ 'prognos:stage': 'prod', 'prognos:apiThrottleRate': 20, 'prognos:apiWaf': true, 'prognos:logRetentionDays': 365, 'prognos:pipelineConfig': { targetRecall: 0.8 } }),
    );
    const fromCli = parseConfig(
      read({ 'prognos:stage': 'prod', 'prognos:apiThrottleRate': '20', 'prognos:apiWaf': 'true', 'prognos:logRetentionDays': '365', 'prognos:pipelineConfig': '{"targetRecall":0.8}' }),
    );
    expect(fromCli).toEqual(fromJson);
    expect(fromJson).toMatchObject({ apiThrottle: { rateLimit: 20 }, apiWaf: true, logRetentionDays: 365, pipelineConfig: { targetRecall: 0.8 } });
  });

  it('passes on only the pipeline settings the deployment sets (the handler owns the defaults)', () => {
    expect(parseConfig(read({ 'prognos:stage': 'dev', 'prognos:pipelineConfig': { windowDays: 30 } })).pipelineConfig).toEqual({ windowDays: 30 });
  });

  it('checks the batch settings with the batches\' own schema and passes on only what is set; the batch schedule is off by default', () => {
    const c = parseConfig(read({ 'prognos:stage': 'dev', 'prognos:batchConfig': '{"retrainOnDrift":true,"drift":{"psi":0.25}}', 'prognos:batchSchedule': 'cron(0 6 * * ? *)' }));
    expect(c.batchConfig).toEqual({ retrainOnDrift: true, drift: { psi: 0.25 } });
    expect(c.batchSchedule).toBe('cron(0 6 * * ? *)');
    expect(parseConfig(read({ 'prognos:stage': 'dev', 'prognos:batchSchedule': 'off' })).batchSchedule).toBeUndefined();
    const bad = () => parseConfig(read({ 'prognos:stage': 'dev', 'prognos:batchConfig': { drift: { ks: 2 }, retrainOnDrift: 'yes', other: 1 }, 'prognos:batchSchedule': 'hourly' }));
    expect(bad).toThrow(/prognos:batchConfig\.drift\.ks/);
    expect(bad).toThrow(/prognos:batchConfig\.retrainOnDrift/);
    expect(bad).toThrow(/prognos:batchConfig: .*other/);
    expect(bad).toThrow(/prognos:batchSchedule: must be an EventBridge expression such as 'cron\(0 6 \* \* \? \*\)'/);
  });

  it("'off' switches the schedule off; an e-mail address subscribes", () => {
    const c = parseConfig(read({ 'prognos:stage': 'dev', 'prognos:trainingSchedule': 'off', 'prognos:alarmEmail': 'ops@example.com' }));
    expect(c.trainingSchedule).toBeUndefined();
    expect(c.alarmEmail).toBe('ops@example.com');
    expect(parseConfig(read({ 'prognos:stage': 'dev', 'prognos:trainingSchedule': 'rate(12 hours)' })).trainingSchedule).toBe('rate(12 hours)');
  });

  it('takes the local cron syntax too, converted to EventBridge (one cron syntax)', () => {
    const at = (schedule: string) => parseConfig(read({ 'prognos:stage': 'dev', 'prognos:trainingSchedule': schedule, 'prognos:batchSchedule': schedule }));
    expect(at('0 3 * * *')).toMatchObject({ trainingSchedule: 'cron(0 3 * * ? *)', batchSchedule: 'cron(0 3 * * ? *)' });
    expect(at('30 2 * * 1-5').trainingSchedule).toBe('cron(30 2 ? * 2-6 *)');
    expect(() => at('0 3 1 * 1')).toThrow(/prognos:trainingSchedule: '0 3 1 \* 1' restricts both the day of the month and the weekday/);
  });

  it('names every bad key in one error', () => {
    const bad = () =>
      parseConfig(
        read({
          'prognos:stage': 'dev',
          'prognos:alarmEmail': 'not-an-address',
          'prognos:trainingSchedule': 'every day',
          'prognos:apiAuth': 'cognito',
          'prognos:logRetentionDays': 31,
          'prognos:pipelineConfig': { targetRecall: 2, bogus: 1 },
          'prognos:unknown': 1,
        } as Partial<Record<ContextKey, unknown>>),
      );
    expect(bad).toThrow(/Invalid CDK context/);
    try {
      bad();
    } catch (err) {
      const message = (err as Error).message;
      for (const key of ['alarmEmail', 'trainingSchedule', 'apiAuth', 'logRetentionDays', 'pipelineConfig.targetRecall', 'pipelineConfig']) {
        expect(message).toContain(`prognos:${key}`);
      }
    }
  });

  it('CORS origins: off by default, a comma-separated list or a JSON list, * alone; each origin scheme://host[:port]', () => {
    const cors = (value: unknown) => parseConfig(read({ 'prognos:stage': 'dev', 'prognos:apiCors': value })).apiCorsOrigins;
    expect(cors('off')).toEqual([]);
    expect(cors('https://app.example.com, http://localhost:5173')).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(cors('["https://app.example.com"]')).toEqual(['https://app.example.com']);
    expect(cors(['https://app.example.com'])).toEqual(['https://app.example.com']);
    expect(cors('*')).toEqual(['*']);
    expect(() => cors('https://app.example.com/')).toThrow(/prognos:apiCors\.0: each origin must be \* or scheme:\/\/host\[:port\]/);
    expect(() => cors('app.example.com')).toThrow(/prognos:apiCors/);
    expect(() => cors('*,https://app.example.com')).toThrow(/\* allows every origin: give it alone/);
  });

  it('reserved concurrency of the prediction function: off by default, else 1-10000', () => {
    const reserved = (value: unknown) => parseConfig(read({ 'prognos:stage': 'dev', 'prognos:predictReservedConcurrency': value })).predictReservedConcurrency;
    expect(reserved(undefined)).toBeUndefined();
    expect(reserved('off')).toBeUndefined();
    expect(reserved('20')).toBe(20);
    expect(reserved(20)).toBe(20);
    expect(() => reserved(0)).toThrow(/prognos:predictReservedConcurrency/);
    expect(() => reserved(2.5)).toThrow(/prognos:predictReservedConcurrency/);
  });

  it('rejects an unknown prognos: key (a misspelt key would otherwise be ignored)', () => {
    const context = { 'prognos:stage': 'dev', 'prognos:alarmMail': 'ops@example.com', 'aws:cdk:bundling-stacks': [] };
    expect(() => parseConfig(read(context), Object.keys(context))).toThrow(/unknown key prognos:alarmMail \(a typo\?\)/);
  });

  it('checks the stage first, with the message bin/app.ts prints', () => {
    expect(() => parseConfig(read({}))).toThrow(/Invalid stage undefined/);
    expect(() => parseConfig(read({ 'prognos:stage': 'Prod' }))).toThrow(/Invalid stage "Prod"/);
  });
});
