import { exactFitter } from './exact-fit.ts';
import type { Fitters } from './fitters.ts';
import { sparseFitter } from './sparse-fitter.ts';

/** Every model kind Train can fit, by kind: the pipeline's fitters. */
export const FITTERS: Fitters = {
  'gpc-exact': exactFitter,
  'gpc-sparse': sparseFitter,
};
