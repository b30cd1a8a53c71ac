/**
 * A Gaussian prior on log θ for the ARD stages: log θ_k ~ N(centre_k, scale²), centred where the
 * ARD stage starts (every length scale at the isotropic optimum, the additive terms at their
 * start). The stages then maximise ELBO + log p(θ) (type-II MAP, GPML §5.2; GPflow and GPyTorch
 * take priors on hyperparameters the same way): a length scale leaves the isotropic one only as
 * far as the evidence pays for it, which on a few dozen failures it often does not (docs/ml.md §7,
 * "A prior on θ").
 */
export interface ThetaPrior {
  readonly centre: Float64Array;
  /** The standard deviation of each log θ_k. */
  readonly scale: number;
}

/** log p(θ) up to its constant, and its gradient in log θ. */
export function logThetaPrior(theta: ArrayLike<number>, prior: ThetaPrior): { value: number; gradient: Float64Array } {
  if (theta.length !== prior.centre.length) throw new RangeError(`θ has ${theta.length} entries but the prior's centre has ${prior.centre.length}`);
  const precision = 1 / (prior.scale * prior.scale);
  const gradient = new Float64Array(theta.length);
  let value = 0;
  for (let k = 0; k < theta.length; k++) {
    const r = theta[k] - prior.centre[k];
    value -= 0.5 * precision * r * r;
    gradient[k] = -precision * r;
  }
  return { value, gradient };
}
