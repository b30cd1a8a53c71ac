/**
 * The scikit-learn golden fixture committed under test/fixtures/sklearn/ (made by its
 * make_fixture.py): the small reference cases and the data they read. Always there, so the
 * golden tests never skip; see its README.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/sklearn', import.meta.url));

/** Absolute path of `parts` inside the fixture folder, e.g. `goldenPath('data', 'moons_200.csv')` or a case's `csv`. */
export function goldenPath(...parts: string[]): string {
  return join(GOLDEN_DIR, ...parts);
}

/** Scaler values of one reference case (scikit-learn's StandardScaler on the training rows). */
export interface GpcReferenceScaler {
  mean: number[];
  scale: number[];
  var: number[];
}

/** One case of gpc_reference.json; only the fields tests use so far are spelled out. */
export interface GpcReferenceCase {
  /** CSV path relative to the fixture folder (`data/….csv`). */
  csv: string;
  feature_names: string[];
  n_rows: number;
  split: { method: string; train_idx: number[]; test_idx: number[] };
  n_train: number;
  n_test: number;
  pos_train: number;
  pos_test: number;
  scaler: GpcReferenceScaler;
  first_test_rows: {
    count: number;
    test_idx: number[];
    X_raw: number[][];
    X_scaled: number[][];
    y_true: number[];
    predict_proba_class1: number[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** gpc_reference.json, loosely typed. */
export interface GpcReference {
  cases: Record<string, GpcReferenceCase>;
  [key: string]: unknown;
}

let gpcReference: GpcReference | undefined;

/** Parsed `gpc_reference.json` of the fixture (read once). */
export function loadGpcReference(): GpcReference {
  gpcReference ??= JSON.parse(readFileSync(goldenPath('gpc_reference.json'), 'utf8')) as GpcReference;
  return gpcReference;
}
