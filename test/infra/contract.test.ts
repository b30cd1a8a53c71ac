import { Duration, Stack, App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { parseContract } from '../../lambdas/core/contract/contract.ts';
import { featureTableColumns } from '../../lambdas/core/contract/table.ts';
import { CONTRACT_VARIABLE } from '../../lambdas/handlers/support/environment.ts';
import { ENVIRONMENT_LIMIT_BYTES, environmentBytes, PrognosFunction, XRayWritePolicy } from '../../lib/prognos-function.ts';
import { NO_BUNDLING, testApp, type TemplateJson } from './app.ts';

/** Another sensor data set than the built-in AI4I one: nothing of it can come from code. */
const PUMPS = parseContract({
  name: 'pumps',
  version: 1,
  id: { name: 'reading_id', type: 'string' },
  label: { name: 'failed', positive: ['yes'], negative: ['no'] },
  features: [
    { name: 'vibration_mm_s', type: 'number', unit: 'mm/s', min: 0, max: 100 },
    { name: 'site', type: 'categorical', levels: ['a', 'b'] },
  ],
});

describe('the app contract travels to Glue, the API and every function', () => {
  const { templates } = testApp({ contract: PUMPS });
  const functions = (template: typeof templates.pipeline) =>
    Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, { Properties: TemplateJson }>);

  it('Glue: the feature table has the contract columns', () => {
    const tables = Object.values(templates.data.findResources('AWS::Glue::Table')) as { Properties: TemplateJson }[];
    const readings = tables.map((t) => t.Properties.TableInput).find((i) => i.Name === 'sensor_readings');
    expect(readings.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name)).toEqual(featureTableColumns(PUMPS).map((c) => c.name));
  });

  it('API: the request model is generated from the contract', () => {
    const models = Object.values(templates.api.findResources('AWS::ApiGateway::Model')) as { Properties: TemplateJson }[];
    // An optional caller id, and exactly the contract's features.
    const instance = models.find((m) => m.Properties.Name === 'PredictRequest')!.Properties.Schema.properties.instances.items;
    expect(Object.keys(instance.properties).sort()).toEqual(['id', 'site', 'vibration_mm_s']);
  });

  it('every pipeline and API function gets the contract as PROGNOS_CONTRACT, and it parses back to the same contract', () => {
    const all = [...functions(templates.pipeline), ...functions(templates.api)];
    // The training and batch Tasks, their starters, StartRetrain and Predict.
    expect(all.length).toBeGreaterThanOrEqual(15);
    for (const [id, fn] of all) {
      const text = fn.Properties.Environment?.Variables?.[CONTRACT_VARIABLE];
      expect(typeof text, id).toBe('string');
      expect(parseContract(JSON.parse(text)), id).toEqual(PUMPS);
    }
  });
});

describe("a function's environment against Lambda's 4 KB", () => {
  const build = (environment: Record<string, string>) => {
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'S');
    return () =>
      new PrognosFunction(stack, 'Fn', {
        handler: 'gate',
        description: 'gate',
        memorySize: 256,
        timeout: Duration.seconds(10),
        serviceName: 'prognos-test',
        logLevel: 'INFO',
        logRetention: RetentionDays.ONE_WEEK,
        xrayPolicy: new XRayWritePolicy(stack, 'XRay'),
        environment,
      });
  };

  it('counts keys and values, and a value resolved at deployment at its largest', () => {
    expect(environmentBytes({ AB: 'xyz', C: 'é' })).toBe(2 + 3 + 1 + 2);
    const stack = new Stack();
    expect(environmentBytes({ ARN: stack.stackId })).toBe(3 + 160);
  });

  it('refuses at synth an environment Lambda would refuse, naming the largest variable', () => {
    expect(build({ [CONTRACT_VARIABLE]: 'x'.repeat(2000) })).not.toThrow();
    expect(build({ [CONTRACT_VARIABLE]: 'x'.repeat(ENVIRONMENT_LIMIT_BYTES) })).toThrow(/environment takes up to \d+ bytes, Lambda allows 4096 \(largest: PROGNOS_CONTRACT 4112 bytes/);
  });
});
