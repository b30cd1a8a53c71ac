import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBatchConfig, readPipelineConfig } from '../../../lambdas/cli/config-file.ts';
import { CliError, describeError } from '../../../lambdas/cli/errors.ts';
import type { CliIo } from '../../../lambdas/cli/io.ts';
import { runTraining } from '../../../lambdas/cli/run.ts';
import { runSchedule } from '../../../lambdas/cli/schedule.ts';
import { DEFAULT_CONTRACT } from '../../../lambdas/core/contract/contract.ts';
import { batchConfigSchema } from '../../../lambdas/core/steps/batch/batch-state.ts';
import { pipelineConfigSchema } from '../../../lambdas/core/steps/run-state.ts';

let dir: string;
const file = async (name: string, text: string) => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prognos-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readPipelineConfig: the one reader of a pipeline settings file', () => {
  it('gives the defaults without a file, and the defaults under what a file sets', async () => {
    expect(await readPipelineConfig(undefined)).toEqual(pipelineConfigSchema.parse({}));
    const config = await readPipelineConfig(await file('recall.json', '{"targetRecall": 0.95, "seed": 7}'));
    expect(config).toEqual({ ...pipelineConfigSchema.parse({}), targetRecall: 0.95, seed: 7 });
  });

  it('refuses a file that is not JSON, a bad value and an unknown field, naming the file and the field', async () => {
    const notJson = await file('broken.json', '{"targetRecall": ');
    await expect(readPipelineConfig(notJson)).rejects.toThrow(new RegExp(`^${notJson} is not JSON: `));
    await expect(readPipelineConfig(await file('empty.json', ''))).rejects.toBeInstanceOf(CliError);

    const bad = await file('bad.json', '{"targetRecall": 2}');
    const refusal = readPipelineConfig(bad);
    await expect(refusal).rejects.toBeInstanceOf(CliError);
    await expect(refusal).rejects.toThrow(new RegExp(`^${bad}: not a valid pipeline configuration:\\n.*\\n.*targetRecall`));
    await expect(readPipelineConfig(await file('typo.json', '{"targetRecal": 0.95}'))).rejects.toThrow(/targetRecal/);
  });

  it('reads sparseInference, and refuses with it what the Laplace sparse GP does not model, naming each field', async () => {
    const laplace = await readPipelineConfig(await file('laplace.json', '{"model": "sparse", "sparseInference": "laplace", "kernel": "matern52"}'));
    expect(laplace).toMatchObject({ sparseInference: 'laplace', kernel: 'matern52' });
    // additiveKernel: false says what the Laplace fit does anyway; it is not refused.
    await expect(readPipelineConfig(await file('plain.json', '{"sparseInference": "laplace", "additiveKernel": false}'))).resolves.toMatchObject({ additiveKernel: false });
    const contradiction = await file('both.json', '{"sparseInference": "laplace", "additiveKernel": true, "inputWarp": true, "minibatchEpochs": 2, "kernel": "matern32-product"}');
    const refusal = readPipelineConfig(contradiction);
    await expect(refusal).rejects.toBeInstanceOf(CliError);
    for (const field of ['additiveKernel', 'inputWarp', 'minibatchEpochs', 'kernel']) await expect(refusal).rejects.toThrow(new RegExp(field));
    await expect(refusal).rejects.toThrow(/the additive kernel is the variational sparse GP's; sparseInference 'laplace' has none/);
    await expect(readPipelineConfig(await file('unknown.json', '{"sparseInference": "ep"}'))).rejects.toThrow(/sparseInference/);
  });

  it('leaves a missing file to the file-system error, which the CLI prints as one line naming it', async () => {
    const missing = join(dir, 'nowhere.json');
    const error: unknown = await readPipelineConfig(missing).catch((e: unknown) => e);
    expect(describeError(error)).toEqual({ message: `${missing}: no such file or directory`, exitCode: 1, expected: true });
  });

  it('is what both `prognos run` and `prognos schedule` read: the same file is refused with the same words', async () => {
    const bad = await file('run-and-schedule.json', '{"holdoutFraction": 1.5}');
    const expected: unknown = await readPipelineConfig(bad).catch((e: unknown) => e);
    const io: CliIo = { out: () => undefined, err: () => undefined };
    const home = join(dir, 'home');
    const run: unknown = await runTraining({ home, contract: DEFAULT_CONTRACT, configFile: bad }, io).catch((e: unknown) => e);
    const schedule: unknown = await runSchedule({ home, contract: DEFAULT_CONTRACT, cron: '0 3 * * *', configFile: bad }, io, new AbortController().signal).catch((e: unknown) => e);
    expect(expected).toBeInstanceOf(CliError);
    expect(run).toEqual(expected);
    expect(schedule).toEqual(expected);
  });
});

describe('readBatchConfig', () => {
  it('reads a batch settings file over its defaults, and refuses a bad one naming it', async () => {
    expect(await readBatchConfig(undefined)).toEqual(batchConfigSchema.parse({}));
    const bad = await file('batch.json', '{"drift": {"alpha": 3}}');
    await expect(readBatchConfig(bad)).rejects.toThrow(new RegExp(`^${bad}: not a valid batch configuration:\\n[\\s\\S]*alpha`));
  });
});
