import erf from '@stdlib/math-base-special-erf';

/**
 * E[σ(f)] for f ~ N(μ, v): the logistic-Gaussian integral, which has no closed form.
 *
 * Williams & Barber (1998) approximate σ by a weighted sum of five error functions whose
 * Gaussian averages are closed-form; scikit-learn uses the same constants, so probabilities
 * match its `predict_proba` to ~1e-12.
 */
const LAMBDAS = [0.41, 0.4, 0.37, 0.44, 0.39] as const;
const COEFS = [-1854.8214151, 3516.89893646, 221.29346712, 128.12323805, -2010.49422654] as const;
const HALF_SUM_COEFS = 0.5 * COEFS.reduce((s, c) => s + c, 0);

/** Smallest variance used: at v = 0 the formula is 0/0; its limit is the plain erf mixture. */
const MIN_VARIANCE = 1e-300;

export function averageSigmoid(mean: number, variance: number): number {
  const v = Math.max(variance, MIN_VARIANCE);
  const alpha = 1 / (2 * v);
  const norm = 2 * Math.sqrt(2 * Math.PI * v);
  let p = HALF_SUM_COEFS;
  for (let r = 0; r < 5; r++) {
    const lambda = LAMBDAS[r];
    const integral = (Math.sqrt(Math.PI / alpha) * erf(lambda * mean * Math.sqrt(alpha / (alpha + lambda * lambda)))) / norm;
    p += COEFS[r] * integral;
  }
  // The mixture overshoots [0, 1] by rounding far in the tails; a probability must not.
  return Math.min(1, Math.max(0, p));
}
