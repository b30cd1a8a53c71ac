import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asDefinition, taskStates } from '../../lambdas/adapters/local/asl-definition.ts';
import { BATCH_DEFINITION, BATCH_FUNCTIONS } from '../../lib/batch-pipeline.ts';
import { TASK_TIMEOUT_MARGIN_SECONDS, type TaskFunctionSpec, taskFunction } from '../../lib/pipeline.ts';
import { TRAINING_DEFINITION, TRAINING_FUNCTIONS } from '../../lib/training-pipeline.ts';

describe('a pipeline spec table', () => {
  it('gives each function its Task’s timeout less the margin, and the linear-algebra worker only when asked', () => {
    const train = taskFunction('train', 10_240, 900, 'Fit', { linalgWorker: true });
    expect(train.timeout.toSeconds()).toBe(890);
    expect(train.linalgWorker).toBe(true);
    const gate = taskFunction('gate', 512, 60, 'Decide');
    expect(gate.timeout.toSeconds()).toBe(60 - TASK_TIMEOUT_MARGIN_SECONDS);
    expect('linalgWorker' in gate).toBe(false);
  });

  // The Workflow construct refuses a function that may outlive its Task; this pins that the table
  // states the ASL file's TimeoutSeconds exactly, so the margin is 10 s and not more.
  it.each([
    ['training', TRAINING_DEFINITION, TRAINING_FUNCTIONS],
    ['batch inference', BATCH_DEFINITION, BATCH_FUNCTIONS],
  ] as const)('%s: states every Task’s TimeoutSeconds of the ASL file', (_, file, table: Readonly<Record<string, TaskFunctionSpec>>) => {
    const tasks = taskStates(asDefinition(JSON.parse(readFileSync(file, 'utf8')), file)).filter((task) => task.placeholder?.endsWith('FunctionArn'));
    expect(tasks.length).toBeGreaterThanOrEqual(Object.keys(table).length);
    for (const task of tasks) {
      const name = task.placeholder!.replace(/FunctionArn$/, '');
      expect(table[name], `${file}: ${task.state}`).toBeDefined();
      expect(table[name]!.timeout.toSeconds() + TASK_TIMEOUT_MARGIN_SECONDS, `${file}: ${task.state}`).toBe(task.timeoutSeconds);
    }
  });
});
