import type { CliIo } from './io.ts';
import { type TrainFromCsvOptions, type TrainOutcome, trainFromCsv } from './training.ts';

/** Options of {@link runTrain}, as parsed from the command line (`--data` names the file). */
export type TrainCommandOptions = Omit<TrainFromCsvOptions, 'dataFile' | 'command'> & { readonly data: string };

/** `prognos train`: trains, evaluates and saves a model from the user's numeric CSV. */
export function runTrain({ data, ...options }: TrainCommandOptions, io: CliIo): Promise<TrainOutcome> {
  return trainFromCsv({ ...options, dataFile: data, command: 'prognos train' }, io);
}
