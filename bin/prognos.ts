#!/usr/bin/env tsx
/**
 * The `prognos` command line (`npx prognos <command>` through bin/prognos.mjs, or `npm run prognos --
 * <command>`; `npm start` runs `prognos demo`).
 * Wiring only: options and help here, each command's work in lambdas/cli/<command>.ts.
 *
 * The workspace options (`--home`, `--contract`) and `--debug` belong to the program, so they go
 * before or after the command (`prognos --home X run` = `prognos run --home X`); a command that
 * has no use for one refuses it (`prognos rollback --contract c.json` is a usage error).
 *
 * Results go to stdout, progress and errors to stderr. An expected error (bad data, missing file,
 * unreadable model, bad option) prints one line `prognos: <message>` and exits 1 (2 for a wrong
 * command line); `--debug` or PROGNOS_DEBUG=1 adds the stack trace.
 */
import { existsSync } from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { type DataContract, DEFAULT_CONTRACT, parseContract } from '../lambdas/core/contract/contract.ts';
import { TRAINING_MODES, type TrainingMode } from '../lambdas/core/steps/run-state.ts';
import { DEMO_DEFAULT_ROWS, runDemo } from '../lambdas/cli/demo.ts';
import { CliError, describeError, EXIT_FAILURE, EXIT_USAGE, oneLine } from '../lambdas/cli/errors.ts';
import { readInputFile } from '../lambdas/cli/files.ts';
import { GENERATORS, type GeneratorName, runGenerate } from '../lambdas/cli/generate.ts';
import { DEFAULT_HOME } from '../lambdas/cli/home.ts';
import { runIngest } from '../lambdas/cli/ingest.ts';
import { runLanding } from '../lambdas/cli/landing-list.ts';
import { runInference } from '../lambdas/cli/infer.ts';
import { interruptSignal } from '../lambdas/cli/interrupt.ts';
import { DEFAULT_CRON, runSchedule } from '../lambdas/cli/schedule.ts';
import { DEFAULT_WATCH_WINDOW_SECONDS, MAX_WATCH_WINDOW_SECONDS, runWatch } from '../lambdas/cli/watch.ts';
import { type CliIo, processIo } from '../lambdas/cli/io.ts';
import { runModelShow } from '../lambdas/cli/model-show.ts';
import { runModels } from '../lambdas/cli/models.ts';
import { integerIn } from '../lambdas/cli/options.ts';
import { PREDICT_FORMATS, type PredictFormat, runPredict } from '../lambdas/cli/predict.ts';
import { runReport } from '../lambdas/cli/report.ts';
import { runRollback } from '../lambdas/cli/rollback.ts';
import { DEFAULT_HEADERS_TIMEOUT_SECONDS, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_REQUEST_TIMEOUT_SECONDS, runServe } from '../lambdas/cli/serve.ts';
import { runTraining } from '../lambdas/cli/run.ts';
import { runList, runRetry } from '../lambdas/cli/runs.ts';
import { runDoctor } from '../lambdas/cli/doctor.ts';

/** Commands that make the home folder when it is missing: no warning for them. */
const HOME_CREATORS = new Set(['demo', 'ingest', 'generate', 'schedule', 'watch']);

/** The program's own options: the workspace (given before or after the command) and --debug. */
interface GlobalOptions {
  readonly home: string;
  readonly contract?: string;
  readonly debug?: boolean;
}

/** Program options that only some commands have a use for. */
type WorkspaceOption = 'home' | 'contract';
const WORKSPACE_OPTIONS: readonly WorkspaceOption[] = ['home', 'contract'];

/** The workspace options each command takes (commands not listed take none). */
const takenOptions = new WeakMap<Command, readonly WorkspaceOption[]>();

/** Marks `command` as taking the given workspace options (help lists them, the command line accepts them). */
function takes(command: Command, ...options: WorkspaceOption[]): Command {
  takenOptions.set(command, options);
  return command;
}

/** The global options shown in a command's help: --debug, --version, and the workspace options it takes. */
function visibleGlobalOptions(command: Command): Option[] {
  const taken: readonly string[] = takenOptions.get(command) ?? [];
  const workspaceOption = (option: Option) => (WORKSPACE_OPTIONS as readonly string[]).includes(option.attributeName());
  const global: Option[] = [];
  for (let ancestor = command.parent; ancestor; ancestor = ancestor.parent) {
    global.push(...ancestor.options.filter((option) => !option.hidden && (!workspaceOption(option) || taken.includes(option.attributeName()))));
  }
  return global;
}

/** The data contract: the file given with --contract, else the shipped AI4I 2020 one. */
async function loadContract(file: string | undefined): Promise<DataContract> {
  if (file === undefined) return DEFAULT_CONTRACT;
  const text = (await readInputFile(file, 'contract file')).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`);
  }
  return parseContract(json);
}

/** Builds the program; every command writes through `io`. */
function buildProgram(io: CliIo): Command {
  const program = new Command('prognos')
    .description('Predictive maintenance with a Gaussian process classifier: ingest readings, train, evaluate, gate, promote, predict.')
    .version(packageJson.version, '-V, --version', 'print the version')
    .option('--debug', 'print the stack trace of an error (or set PROGNOS_DEBUG=1)')
    .option('--home <dir>', 'home folder: the local landing zone, lake and models (or set PROGNOS_HOME)', process.env.PROGNOS_HOME ?? DEFAULT_HOME)
    .option('--contract <file>', 'data contract JSON (default: the shipped AI4I 2020 contract)')
    .configureHelp({ showGlobalOptions: true, visibleGlobalOptions })
    .showSuggestionAfterError()
    // Throw instead of exiting, so main() picks the exit code and stdout is flushed first.
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: errorPrinter('npx prognos --help') })
    .addHelpText('after', examples('prognos demo', 'prognos ingest readings.csv && prognos run', 'prognos predict new-readings.csv', 'prognos run --help'));
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  // Commands that take no --contract get the shipped one: their workspace never reads the feature table.
  const workspace = async (): Promise<{ home: string; contract: DataContract }> => ({ home: globals().home, contract: await loadContract(globals().contract) });
  program.hook('preAction', (_program, action) => {
    const taken = takenOptions.get(action) ?? [];
    // Options only where they mean something: the program accepts them anywhere, the command decides.
    for (const option of WORKSPACE_OPTIONS) {
      if (program.getOptionValueSource(option) === 'cli' && !taken.includes(option)) {
        action.error(`${commandPath(action)} takes no --${option}`, { exitCode: EXIT_USAGE, code: 'prognos.optionNotTaken' });
      }
    }
    // A mistyped --home would otherwise read as an empty workspace ("no models yet").
    const { home } = globals();
    if (taken.includes('home') && !HOME_CREATORS.has(action.name()) && !existsSync(home)) {
      io.err(`prognos: warning: the home folder ${home} does not exist (a typo in --home or PROGNOS_HOME?); it is treated as empty\n`);
    }
  });

  takes(
    command(program, 'demo', 'Seed sample readings into the landing zone and run the whole training workflow (npm start).', [
      'prognos demo',
      'prognos demo --rows 600 --seed 3 --home /tmp/prognos',
    ]),
    'home', 'contract',
  )
    .option('--rows <n>', 'sample readings to generate', integerIn(100, 1_000_000), DEMO_DEFAULT_ROWS)
    .option('--seed <n>', 'seed of the generated readings', integerIn(0), 7)
    .option('--json', 'print the result as JSON on stdout (progress stays on stderr)')
    .action(async (o: { rows: number; seed: number; json?: boolean }) => {
      await runDemo({ ...o, ...(await workspace()) }, io);
    });

  takes(
    command(program, 'run', 'Run the training workflow (statemachines/training.asl.json) over the files in the landing zone.', [
      'prognos run',
      'prognos run --mode full --config pipeline.json',
      'prognos run --json | jq .evaluation',
    ]),
    'home', 'contract',
  )
    .addOption(new Option('--mode <mode>', 'full: optimise the kernel; refit: keep the champion\'s kernel (default: refit when there is a champion)').choices(TRAINING_MODES))
    .option('--config <file>', 'pipeline settings as JSON (targetRecall, holdoutFraction, seed, windowDays, gateMargin, …)')
    .option('--date <yyyy-mm-dd>', 'the run date; the training window ends on it (default: today, UTC)')
    .option('--json', 'print the result as JSON on stdout (progress stays on stderr)')
    .action(async (o: { mode?: TrainingMode; config?: string; date?: string; json?: boolean }) => {
      await runTraining({ ...(await workspace()), mode: o.mode, configFile: o.config, date: o.date, json: o.json }, io);
    });

  takes(
    command(program, 'ingest', 'Copy CSV files into the landing zone (landing/training/); prognos run then validates and trains on them.', [
      'prognos ingest readings-2026-11.csv',
      'prognos ingest ../shared/datasets/ai4i2020.csv && prognos run',
      'prognos ingest --inference readings-today.csv && prognos infer',
    ]),
    'home', 'contract',
  )
    .argument('<files...>', 'CSV files with a header row, in the format the data contract describes')
    .option('--inference', 'land them in landing/inference/ for prognos infer to score, instead of landing/training/')
    .action(async (files: string[], o: { inference?: boolean }) => {
      await runIngest({ files, ...(await workspace()), inference: o.inference }, io);
    });

  takes(
    command(program, 'infer', 'Batch inference (statemachines/batch-inference.asl.json): score every file in landing/inference/ with the champion, write predictions, check drift.', [
      'prognos ingest --inference readings-today.csv && prognos infer',
      'prognos infer --config batch.json',
    ]),
    'home', 'contract',
  )
    .option('--config <file>', 'batch settings as JSON (drift thresholds, retrainOnDrift, retrainCooldownHours, retrainConfig)')
    .option('--json', 'print the result as JSON on stdout (progress stays on stderr)')
    .action(async (o: { config?: string; json?: boolean }) => {
      await runInference({ ...(await workspace()), configFile: o.config, json: o.json }, io);
    });

  takes(
    command(
      program,
      'watch',
      'Watch the landing zone: files landing in landing/training/ within a window start one training run (as prognos run), files in landing/inference/ one batch inference (as prognos infer).',
      ['prognos watch', 'prognos watch --window 10 --training-config pipeline.json --inference-config batch.json'],
    ),
    'home', 'contract',
  )
    .option('--training-config <file>', 'pipeline settings of the training runs (as prognos run --config)')
    .option('--inference-config <file>', 'batch settings of the inference runs (as prognos infer --config)')
    .option('--window <seconds>', "seconds the first new file waits for others before one run starts over all of them (AWS's upload batching window)", integerIn(0, MAX_WATCH_WINDOW_SECONDS), DEFAULT_WATCH_WINDOW_SECONDS)
    .action(async (o: { trainingConfig?: string; inferenceConfig?: string; window: number }) => {
      const options = {
        ...(await workspace()),
        trainingConfigFile: o.trainingConfig,
        inferenceConfigFile: o.inferenceConfig,
        windowMs: o.window * 1000,
      };
      await runWatch(options, io, interruptSignal());
    });

  takes(
    command(program, 'schedule', 'Run a full retrain on a cron schedule (UTC), named daily-YYYY-MM-DD: the daily EventBridge rule, locally.', [
      'prognos schedule',
      'prognos schedule --cron "30 2 * * *" --config pipeline.json',
    ]),
    'home', 'contract',
  )
    .option('--cron <pattern>', 'when to retrain, as a cron pattern read in UTC', DEFAULT_CRON)
    .option('--config <file>', 'pipeline settings of each run (as prognos run --config)')
    .action(async (o: { cron: string; config?: string }) => {
      await runSchedule({ ...(await workspace()), cron: o.cron, configFile: o.config }, io, interruptSignal());
    });

  takes(
    command(program, 'predict', "Score readings with the champion: probability, label at the model's threshold, and uncertainty.", [
      'prognos predict new-readings.csv',
      'prognos predict instances.json --format json --out predictions.json',
      'prognos predict new-readings.csv --explain',
    ]),
    'home', 'contract',
  )
    .argument('<file>', 'CSV in the landing format, or JSON {"instances": [{feature: value, …}]}')
    .option('--model <version>', 'score with this version instead of the champion')
    .addOption(new Option('--format <format>', 'output format').choices(PREDICT_FORMATS).default('csv'))
    .addOption(new Option('--json', 'the same as --format json').conflicts('format'))
    .option('--out <file>', 'write the predictions to this file instead of stdout')
    .option('--explain', "add each reading's reasons: the features that move its probability most")
    .action(async (file: string, o: { model?: string; format: PredictFormat; json?: boolean; out?: string; explain?: boolean }) => {
      await runPredict({ file, ...(await workspace()), model: o.model, format: o.json ? 'json' : o.format, out: o.out, explain: o.explain }, io);
    });

  takes(command(program, 'landing', 'List the landing files with what became of each: ingested (rows, when), quarantined (why), edited, or pending.', ['prognos landing', 'prognos landing --json']), 'home')
    .option('--json', 'print JSON instead of a table')
    .action(async (o: { json?: boolean }) => {
      await runLanding({ ...(await workspace()), json: o.json }, io);
    });

  const models = takes(
    command(program, 'models', 'List the model versions by run (created, mode, kind, training rows, holdout AP, gate decision), the champion marked; models show VERSION prints one.', [
      'prognos models',
      'prognos models --json',
      'prognos models show 20261126T190501.123Z-1a2b3c4d',
    ]),
    'home',
  )
    .option('--json', 'print JSON (models show: the record as JSON)')
    .action(async (o: { json?: boolean }) => {
      await runModels({ ...(await workspace()), json: o.json }, io);
    });
  takes(command(models, 'show', "Print one model's record: manifest, kind, contract, features, threshold, training rows and set, the gate's checks, its run's models, the report.", [
    'prognos models show 20261126T190501.123Z-1a2b3c4d',
    'prognos models show 20261126T190501.123Z-1a2b3c4d --json',
  ]), 'home')
    .configureOutput({ outputError: errorPrinter('npx prognos models show --help') })
    .argument('<version>', 'model version (see npx prognos models)')
    // `--json` is the models command's option: commander gives it to the parent wherever it stands.
    .action(async (version: string) => {
      await runModelShow({ ...(await workspace()), version, json: models.opts<{ json?: boolean }>().json }, io);
    });

  takes(command(program, 'rollback', 'Make the previous champion (or an earlier one) serve again.', ['prognos rollback', 'prognos rollback --to 20261126T190501.123Z-1a2b3c4d']), 'home')
    .option('--to <version>', 'roll back to this earlier champion (see npx prognos models) instead of the previous one')
    .option('--json', 'print {"from", "to"} as JSON instead of the new champion\'s version')
    .action(async (o: { to?: string; json?: boolean }) => {
      await runRollback({ ...(await workspace()), to: o.to, json: o.json }, io);
    });

  takes(command(program, 'report', "Print the path of a model version's HTML report (default: the champion's).", ['prognos report', 'prognos report 20261126T190501.123Z-1a2b3c4d']), 'home')
    .argument('[version]', 'model version (see npx prognos models)')
    .option('--json', 'print {"version", "path", "champion"} as JSON instead of the path')
    .action(async (version: string | undefined, o: { json?: boolean }) => {
      await runReport({ ...(await workspace()), version, json: o.json }, io);
    });

  takes(
    command(program, 'serve', 'Serve the prediction API (POST /predict, GET /model, GET /health) over HTTP with the Lambda handler, as API Gateway would.', [
      'prognos serve',
      'prognos serve --port 9000 --host 0.0.0.0 --refresh-ms 1000',
    ]),
    'home', 'contract',
  )
    .option('--port <n>', 'port to listen on (0: any free port)', integerIn(0, 65_535), DEFAULT_PORT)
    .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', DEFAULT_HOST)
    .option('--refresh-ms <ms>', 'least time between two checks for a new champion (0: on every request)', integerIn(0), 5000)
    .option('--headers-timeout <s>', 'seconds for a request line and headers to arrive (else 408)', integerIn(1, 3600), DEFAULT_HEADERS_TIMEOUT_SECONDS)
    .option('--request-timeout <s>', 'seconds for a whole request, body included, to arrive (else 408)', integerIn(1, 3600), DEFAULT_REQUEST_TIMEOUT_SECONDS)
    .action(async (o: { port: number; host: string; refreshMs: number; headersTimeout: number; requestTimeout: number }) => {
      await runServe(
        {
          ...(await workspace()),
          port: o.port,
          host: o.host,
          refreshIntervalMs: o.refreshMs,
          headersTimeoutSeconds: o.headersTimeout,
          requestTimeoutSeconds: o.requestTimeout,
        },
        io,
      );
    });

  const runs = takes(
    command(program, 'runs', 'List the workflow runs (name, kind, mode, status, started, duration, result, failure); runs retry continues one that failed.', [
      'prognos runs',
      'prognos runs --json',
      'prognos runs retry train-0123456789abcdef01234567',
    ]),
    'home',
  )
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await runList({ ...(await workspace()), json: o.json }, io);
    });
  takes(command(runs, 'retry', 'Redrive a failed, aborted or stale run from the state that failed, reusing what the states before it produced.', [
    'prognos runs retry train-0123456789abcdef01234567 --home /tmp/prognos',
  ]), 'home', 'contract')
    .configureOutput({ outputError: errorPrinter('npx prognos runs retry --help') })
    .argument('<name>', 'the run (see npx prognos runs)')
    .action(async (name: string) => {
      await runRetry({ ...(await workspace()), name }, io);
    });

  takes(
    command(program, 'doctor', 'Check the store: model checksums, temporary files, orphans, stale locks and runs, the champion pointer; --repair fixes what is safe.', [
      'prognos doctor',
      'prognos doctor --repair',
    ]),
    'home',
  )
    .option('--repair', 'fix what is safe to fix (temporary files, stale locks, stale runs, orphans) and say what was done')
    .action(async (o: { repair?: boolean }) => {
      await runDoctor({ ...(await workspace()), repair: o.repair }, io);
    });

  command(program, 'generate', 'Write a sample data set as CSV: AI4I 2020-style machining readings, or two moons.', [
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

  return program;
}

/** Adds a subcommand with its description, examples and error line. */
function command(program: Command, name: string, description: string, exampleLines: readonly string[]): Command {
  return program
    .command(name)
    .description(description)
    .configureOutput({ outputError: errorPrinter(`npx prognos ${name} --help`) })
    .addHelpText('after', examples(...exampleLines));
}

/** The command's words after `prognos`, e.g. `runs retry`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/** The examples of a help page, as a user runs them from a clone (`prognos` is not on PATH; npx finds package.json's bin). */
function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line.replace(/(^|&& )prognos /g, '$1npx prognos ')}`).join('\n')}`;
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
