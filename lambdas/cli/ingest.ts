import { basename } from 'node:path';
import { checkReadingsCsv } from '../core/steps/readings-csv.ts';
import { CliError } from './errors.ts';
import { readInputFile } from './files.ts';
import { displayPath } from './format.ts';
import type { CliIo } from './io.ts';
import { landFile } from './landing.ts';
import { openWorkspace } from './workspace.ts';
import type { DataContract } from '../core/contract/contract.ts';
import { LANDING_INFERENCE_PREFIX, LANDING_TRAINING_PREFIX } from '../core/storage-keys.ts';

/** What happened to one file given to `prognos ingest`. */
export interface LandedFile {
  readonly file: string;
  readonly key: string;
  /** 'landed' now, or 'present' (the same bytes were already there under this name). */
  readonly status: 'landed' | 'present';
}

const SAFE_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * `prognos ingest FILE…`: copies files into `landing/training/` (the upload of AWS), create-only:
 * a landing file is never replaced. The next `prognos run` validates and trains on them. With
 * `inference`, into `landing/inference/` instead, for `prognos infer` to score.
 *
 * Each file is checked first as far as the whole file goes — text, a header that matches the
 * contract, at least one data row — and none is landed unless all pass: a file that could never
 * be used is refused here (UnusableFileError, exit 1) rather than set aside by the next run.
 * Rows are checked by the run, which quarantines bad ones line by line.
 */
export async function runIngest(
  options: { readonly files: readonly string[]; readonly home: string; readonly contract: DataContract; readonly inference?: boolean },
  io: CliIo,
): Promise<LandedFile[]> {
  const workspace = openWorkspace(options.home, options.contract);
  const prefix = options.inference ? LANDING_INFERENCE_PREFIX : LANDING_TRAINING_PREFIX;
  const checked: { file: string; name: string; body: Buffer }[] = [];
  for (const file of options.files) {
    const name = basename(file);
    if (!SAFE_NAME.test(name)) throw new CliError(`${file}: use a file name of letters, digits, '.', '-' and '_' only (it becomes the landing key)`);
    const body = await readInputFile(file, 'file to ingest');
    await checkReadingsCsv(file, body, options.contract, { requireLabel: !options.inference });
    checked.push({ file, name, body });
  }
  const landed: LandedFile[] = [];
  for (const { file, name, body } of checked) {
    const key = `${prefix}${name}`;
    const status = await landFile(workspace.store, key, body);
    landed.push({ file, key, status });
    io.err(status === 'landed' ? `landed ${displayPath(file)} → ${displayPath(workspace.pathOf(key))}\n` : `${displayPath(file)} is already in the landing zone as ${key}\n`);
  }
  if (landed.some((file) => file.status === 'landed')) io.err(options.inference ? `score it: npx prognos infer\n` : `train on it: npx prognos run\n`);
  return landed;
}
