import type { CliIo } from './io.ts';
import { type TrainOutcome, trainFromCsv } from './training.ts';

/** Options of {@link runTrain}, as parsed from the command line. */
export interface TrainCommandOptions {
  readonly data: string;
  readonly label: string;
  readonly features?: readonly string[];
  readonly targetRecall: number;
  readonly testFraction: number;
  readonly seed: number;
  readonly home: string;
}

/** `prognos train`: trains, evaluates and saves a model from the user's numeric CSV. */
export function runTrain(options: TrainCommandOptions, io: CliIo): Promise<TrainOutcome> {
  return trainFromCsv(
    {
      dataFile: options.data,
      label: options.label,
      features: options.features,
      targetRecall: options.targetRecall,
      testFraction: options.testFraction,
      seed: options.seed,
      home: options.home,
      command: 'prognos train',
    },
    io,
  );
}
