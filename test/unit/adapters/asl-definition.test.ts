import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  asDefinition,
  type AslDefinition,
  type AslState,
  distributedMaps,
  isDistributedMap,
  placeholderNames,
  placeholderOf,
  StateMachineDefinitionError,
  substitutePlaceholders,
  taskStates,
} from '../../../lambdas/adapters/local/asl-definition.ts';

const read = (file: string): AslDefinition => asDefinition(JSON.parse(readFileSync(new URL(`../../../statemachines/${file}`, import.meta.url), 'utf8')), file);

const task = (name: string, timeout?: number): AslState => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: `\${${name}FunctionArn}`, 'Payload.$': '$' },
  ...(timeout === undefined ? {} : { TimeoutSeconds: timeout }),
  End: true,
});

const map = (fields: Record<string, unknown>): AslState => ({
  Type: 'Map',
  ItemProcessor: { StartAt: 'Work', States: { Work: task('Work', 5) }, ...(fields.mode === undefined ? {} : { ProcessorConfig: { Mode: fields.mode } }) },
  End: true,
  ...Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'mode')),
});

describe('the ASL model: one reader of the state machine files for lib/, the local runner and the tests', () => {
  it('lists Tasks with the placeholder of their function and their timeout, nested ones right after their Map', () => {
    const definition: AslDefinition = {
      StartAt: 'First',
      States: { First: { ...task('First', 60), End: undefined, Next: 'Each' }, Each: map({ mode: 'INLINE' }), Last: task('Last') },
    };
    expect(taskStates(definition)).toEqual([
      { state: 'First', placeholder: 'FirstFunctionArn', timeoutSeconds: 60 },
      { state: 'Work', placeholder: 'WorkFunctionArn', timeoutSeconds: 5 },
      { state: 'Last', placeholder: 'LastFunctionArn', timeoutSeconds: undefined },
    ]);
  });

  it("names each Task's function by a placeholder of its own name in both workflow files", () => {
    for (const file of ['training.asl.json', 'batch-inference.asl.json']) {
      const tasks = taskStates(read(file));
      expect(tasks.length).toBeGreaterThan(3);
      for (const t of tasks) expect(t.placeholder).toBe(`${t.state}FunctionArn`);
    }
  });

  it('takes a Map as Distributed by its ProcessorConfig.Mode only, as Step Functions does', () => {
    expect(isDistributedMap('M', map({ mode: 'DISTRIBUTED' }))).toBe(true);
    expect(isDistributedMap('M', map({ mode: 'INLINE' }))).toBe(false);
    expect(isDistributedMap('M', map({}))).toBe(false);
    expect(isDistributedMap('T', task('T', 5))).toBe(false);
  });

  it.each(['ItemReader', 'ResultWriter', 'ItemBatcher', 'ToleratedFailurePercentage'])('refuses %s on a Map that is not Distributed', (field) => {
    const state = map({ mode: 'INLINE', [field]: field === 'ToleratedFailurePercentage' ? 5 : {} });
    expect(() => isDistributedMap('Fan', state)).toThrow(StateMachineDefinitionError);
    expect(() => isDistributedMap('Fan', state)).toThrow(new RegExp(`Map Fan: ${field} needs .*DISTRIBUTED`));
    expect(() => distributedMaps({ StartAt: 'Fan', States: { Fan: state } })).toThrow(StateMachineDefinitionError);
  });

  it("finds the batch workflow's Distributed Map with its S3 ItemReader and ResultWriter, and none in training", () => {
    expect(distributedMaps(read('batch-inference.asl.json'))).toEqual([
      {
        state: 'ScoreFiles',
        itemReader: { resource: 'arn:aws:states:::s3:getObject', parameters: expect.objectContaining({ Bucket: '${LakeBucketName}' }) },
        resultWriter: { resource: 'arn:aws:states:::s3:putObject', parameters: { Bucket: '${LakeBucketName}', Prefix: 'lake/map-results' } },
      },
    ]);
    expect(distributedMaps(read('training.asl.json'))).toEqual([]);
  });

  it('has one placeholder rule: ${ + letters, digits and _ + }; anything else starting with ${ is refused', () => {
    expect(placeholderOf('${LakeBucketName}')).toBe('LakeBucketName');
    expect(placeholderOf('s3://${LakeBucketName}')).toBeUndefined();
    expect(placeholderOf('${Lake.Bucket}')).toBeUndefined();
    const withText = (text: string): AslDefinition => ({ StartAt: 'P', States: { P: { Type: 'Pass', Comment: text, End: true } } });
    expect(placeholderNames(withText('${A_1} and ${b}'))).toEqual(['A_1', 'b']);
    for (const bad of ['${Lake.Bucket}', '${}', 'open ${Name', '${Lake-Bucket}']) {
      expect(() => placeholderNames(withText(bad))).toThrow(StateMachineDefinitionError);
      expect(() => substitutePlaceholders(withText(bad))).toThrow(/is not a placeholder/);
    }
  });
});
