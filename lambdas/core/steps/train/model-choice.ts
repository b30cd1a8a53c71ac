import type { ModelKind } from '../../ml/resumable-fit.ts';
import type { ModelChoiceSetting, SparseInference } from '../run-state.ts';
import { DEFAULT_INDUCING_POINTS, sparseLaplaceRowLimit, sparseRowLimit } from '../step-limits.ts';
import { predictExactFitSeconds } from './exact-cost.ts';

/**
 * Which GP a run trains, on how many rows, and why in words the summary and the report show.
 * `config.maxTrainRows` caps the exact GP only: asked for explicitly, the exact GP trains on a
 * stratified sample of that many rows; `auto` takes the exact GP only when it can have every
 * training row and its predicted fit leaves half of the Train budget free, and the sparse GP
 * (every row) otherwise. The sparse GP's "every row" has a bound too: beyond sparseRowLimit
 * (step-limits.ts) one pass over the rows could outlast the Train round's margin, and it trains on
 * a stratified sample of that many.
 */

/** Share of the Train budget the exact GP's predicted fit may take under `auto`: the rest covers the cost model's error and slower CPUs. */
export const EXACT_BUDGET_SHARE = 0.5;

export interface ModelChoiceInput {
  readonly requested: ModelChoiceSetting;
  /** Rows in the training split. */
  readonly rowsAvailable: number;
  readonly maxTrainRows: number;
  /** Seconds of the first Train round. */
  readonly budgetSeconds: number;
  /** The sparse GP's inducing points (config.inducingPoints); unset: its default. */
  readonly inducingPoints?: number;
  /** The sparse GP has the additive terms (config.additiveKernel): each pass costs more, so fewer rows fit the margin. */
  readonly additiveKernel?: boolean;
  /** How the sparse GP is fitted (config.sparseInference): the Laplace fit takes every row into each L-BFGS iteration, so its row limit is its own. */
  readonly sparseInference?: SparseInference;
}

/**
 * How much more one pass over the rows costs with the additive kernel: measured 1.8× for a q(v)
 * pass and 1.5× for a gradient pass (d = 11, m = 128; docs/ml.md §7), rounded up.
 */
export const ADDITIVE_PASS_COST_FACTOR = 2;

export interface ModelChoice {
  readonly kind: ModelKind;
  /** Rows the model trains on (≤ rowsAvailable). */
  readonly rows: number;
  readonly rowsAvailable: number;
  readonly reason: string;
}

const count = (n: number): string => n.toLocaleString('en-US');
const secondsText = (s: number): string => (s < 10 ? `${s.toFixed(1)} s` : `${count(Math.round(s))} s`);

/** The sparse GP on every row, or on a stratified sample where one pass (Laplace: one L-BFGS iteration) over every row would not fit the round's margin. */
function sparse(n: number, inducingPoints: number, additive: boolean, laplace: boolean, why: string, allWhy: string): ModelChoice {
  const limit = laplace
    ? sparseLaplaceRowLimit(inducingPoints)
    : additive
      ? Math.floor(sparseRowLimit(inducingPoints) / ADDITIVE_PASS_COST_FACTOR)
      : sparseRowLimit(inducingPoints);
  const name = laplace ? 'sparse GP (Laplace)' : 'sparse GP';
  if (n <= limit) return { kind: 'gpc-sparse', rows: n, rowsAvailable: n, reason: `${why}${name} on all ${count(n)} training rows${allWhy}` };
  const unit = laplace ? 'one L-BFGS iteration' : 'one pass';
  return {
    kind: 'gpc-sparse',
    rows: limit,
    rowsAvailable: n,
    reason: `${why}${name} on a stratified sample of ${count(limit)} of ${count(n)} training rows${allWhy}: with ${count(inducingPoints)} inducing points ${unit} over more rows could outlast the Train round's margin`,
  };
}

export function chooseModel(input: ModelChoiceInput): ModelChoice {
  const { requested, rowsAvailable: n, maxTrainRows, budgetSeconds } = input;
  const inducingPoints = input.inducingPoints ?? DEFAULT_INDUCING_POINTS;
  const additive = input.additiveKernel ?? false;
  const laplace = input.sparseInference === 'laplace';
  const all = { rows: n, rowsAvailable: n };
  if (requested === 'sparse') return sparse(n, inducingPoints, additive, laplace, '', ' (config.model = sparse)');
  if (requested === 'exact') {
    const rows = Math.min(n, maxTrainRows);
    // Asked for, the exact GP trains whatever its cost; the reason warns when one round cannot hold it.
    const predicted = predictExactFitSeconds(rows);
    const warning = predicted > budgetSeconds ? `; its predicted fit of ${secondsText(predicted)} exceeds the ${secondsText(budgetSeconds)} Train budget and cannot be checkpointed` : '';
    if (n <= maxTrainRows) return { kind: 'gpc-exact', ...all, reason: `exact GP on all ${count(n)} training rows (config.model = exact)${warning}` };
    return {
      kind: 'gpc-exact',
      rows,
      rowsAvailable: n,
      reason: `exact GP on a stratified sample of ${count(maxTrainRows)} of ${count(n)} training rows: config.maxTrainRows caps the exact GP, whose cost grows as n³ (config.model = exact)${warning}`,
    };
  }
  if (n > maxTrainRows) return sparse(n, inducingPoints, additive, laplace, 'auto: ', `, more than the exact GP's limit of ${count(maxTrainRows)} (config.maxTrainRows)`);
  const predicted = predictExactFitSeconds(n);
  const allowed = budgetSeconds * EXACT_BUDGET_SHARE;
  const estimate = `its predicted fit of ${secondsText(predicted)} ${predicted <= allowed ? 'is within' : 'exceeds'} half of the ${secondsText(budgetSeconds)} Train budget`;
  if (predicted <= allowed) return { kind: 'gpc-exact', ...all, reason: `auto: exact GP on all ${count(n)} training rows; ${estimate}` };
  return sparse(n, inducingPoints, additive, laplace, 'auto: ', `; the exact GP's ${estimate.replace(/^its /, '')}`);
}
