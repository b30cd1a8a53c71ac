#!/usr/bin/env tsx
/**
 * The `prognos` command line (`npm run prognos -- <command>`; `npm start` runs `prognos demo`).
 * Wiring only: options and help here, each command's work in lambdas/cli/<command>.ts.
 *
 * Results go to stdout, progress and errors to stderr. An expected error (bad data, missing file,
 * unreadable model, bad option) prints one line `prognos: <message>` and exits 1 (2 for a wrong
 * command line); `--debug` or PROGNOS_DEBUG=1 adds the stack trace.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { DEMO_DEFAULT_ROWS, runDemo } from '../lambdas/cli/demo.ts';
import { describeError, EXIT_FAILURE, EXIT_USAGE, oneLine } from '../lambdas/cli/errors.ts';
import { GENERATORS, type GeneratorName, runGenerate } from '../lambdas/cli/generate.ts';
import { DEFAULT_HOME } from '../lambdas/cli/home.ts';
import { type CliIo, processIo } from '../lambdas/cli/io.ts';
import { columnList, integerIn, openFraction, positiveFractionUpToOne } from '../lambdas/cli/options.ts';
import { PREDICT_FORMATS, type PredictFormat, runPredict } from '../lambdas/cli/predict.ts';
import { runTrain } from '../lambdas/cli/train.ts';

/** Builds the program; every command writes through `io`. */
function buildProgram(io: CliIo): Command {
  const program = new Command('prognos')
    .description('Predictive maintenance with a Gaussian process classifier: generate data, train, evaluate, predict.')
    .version(packageJson.version, '-V, --version', 'print the version')
    .option('--debug', 'print the stack trace of an error (or set PROGNOS_DEBUG=1)')
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError()
    // Throw instead of exiting, so main() picks the exit code and stdout is flushed first.
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: errorPrinter('prognos --help') })
    .addHelpText('after', examples('prognos demo', 'prognos train --data readings.csv --label machine_failure', 'prognos demo --help'));

  command(program, 'demo', 'Generate AI4I-style sample readings, train and evaluate a model on them, save it (npm start).', [
    'prognos demo',
    'prognos demo --rows 600 --seed 3 --home /tmp/prognos',
  ])
    .option('--rows <n>', 'readings to generate (70 % train, 30 % test)', integerIn(2, 1_000_000), DEMO_DEFAULT_ROWS)
    .option('--seed <n>', 'seed of the generated readings', integerIn(0), 7)
    .option('--home <dir>', 'home folder for landing data and models', DEFAULT_HOME)
    .option('--target-recall <r>', 'recall of failing machines the threshold must reach', positiveFractionUpToOne, 0.9)
    .action(async (o: { rows: number; seed: number; home: string; targetRecall: number }) => {
      await runDemo(o, io);
    });

  command(program, 'generate', 'Write a sample data set as CSV: AI4I-style machining readings, or two moons.', [
    'prognos generate ai4i --rows 1000 --out readings.csv',
    'prognos generate moons --rows 200 --seed 1 --out moons.csv',
  ])
    .addArgument(new Argument('<kind>', 'data set to generate').choices(GENERATORS))
    .requiredOption('--rows <n>', 'rows to generate', integerIn(2, 10_000_000))
    .option('--seed <n>', 'random seed (same seed, same rows)', integerIn(0), 7)
    .requiredOption('--out <file>', 'CSV file to write (its folder is created)')
    .action(async (kind: GeneratorName, o: { rows: number; seed: number; out: string }) => {
      await runGenerate({ kind, ...o }, io);
    });

  command(program, 'train', 'Train, evaluate (stratified hold-out split) and save a model from a numeric CSV.', [
    'prognos train --data moons.csv --label label',
    'prognos train --data readings.csv --label machine_failure --features air_temperature_k,torque_nm,tool_wear_min --target-recall 0.95',
  ])
    .requiredOption('--data <file>', 'CSV with a header row; numeric features and a 0/1 label (1 = needs maintenance)')
    .requiredOption('--label <column>', 'name of the 0/1 label column')
    .option('--features <a,b,...>', 'feature columns, comma-separated (default: every column but the label)', columnList)
    .option('--target-recall <r>', 'recall of failing machines the threshold must reach', positiveFractionUpToOne, 0.9)
    .option('--test-fraction <f>', 'share of rows held out for evaluation', openFraction, 0.3)
    .option('--seed <n>', 'seed of the train/test split', integerIn(0), 99)
    .option('--home <dir>', 'home folder; the model goes to <home>/models/<version>/', DEFAULT_HOME)
    .action(async (o: { data: string; label: string; features?: string[]; targetRecall: number; testFraction: number; seed: number; home: string }) => {
      await runTrain(o, io);
    });

  command(program, 'predict', 'Score the rows of a CSV with a saved model: probability, label, latent mean and std.', [
    'prognos predict --model .prognos/models/20261126T190501Z-1a2b3c4d --data new-readings.csv',
    'prognos predict --model .prognos/models/20261126T190501Z-1a2b3c4d --data new-readings.csv --format json --out predictions.json',
  ])
    .requiredOption('--model <dir>', 'model folder, e.g. .prognos/models/<version>')
    .requiredOption('--data <file>', "CSV with the model's feature columns, by name (other columns are ignored)")
    .addOption(new Option('--format <format>', 'output format').choices(PREDICT_FORMATS).default('csv'))
    .option('--out <file>', 'write the predictions to this file instead of stdout')
    .action(async (o: { model: string; data: string; format: PredictFormat; out?: string }) => {
      await runPredict(o, io);
    });

  return program;
}

/** Adds a subcommand with its description, examples and error line. */
function command(program: Command, name: string, description: string, exampleLines: readonly string[]): Command {
  return program
    .command(name)
    .description(description)
    .configureOutput({ outputError: errorPrinter(`prognos ${name} --help`) })
    .addHelpText('after', examples(...exampleLines));
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;
}

/** Commander's "error: …" messages as one `prognos: …` line that points to the right help. */
function errorPrinter(help: string): (text: string, write: (text: string) => void) => void {
  return (text, write) => {
    const message = oneLine(text.replace(/^error: /, '').replace(/\n\(Did you mean ([^)]*)\)/, ' (did you mean $1)')).replace(/\.$/, '');
    write(`prognos: ${message}; see '${help}'\n`);
  };
}

/** Runs the command line and returns the exit code. */
async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const debug = process.env.PROGNOS_DEBUG === '1' || argv.includes('--debug');
  try {
    await buildProgram(io).parseAsync(argv);
    return 0;
  } catch (error) {
    // Help, version and usage errors: commander has already printed what it had to say.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    const report = describeError(error);
    io.err(`prognos: ${report.message}\n`);
    if (debug && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    else if (!report.expected) io.err('prognos: this looks like a bug; run again with --debug for the stack trace\n');
    return report.exitCode;
  }
}

// `prognos predict … | head` closes stdout early: stop quietly, as other command-line tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') processIo.err(`prognos: cannot write the output: ${error.message}\n`);
  process.exit(error.code === 'EPIPE' ? 0 : EXIT_FAILURE);
});
process.exitCode = await main(process.argv, processIo);
