/**
 * When to send a reading to a person: the model's 95 % credible interval for the probability
 * straddles the decision threshold. The probability is monotone in the latent f, so the interval
 * is σ(m ± 1.96 s) through the same link as the point estimate (logistic, on the latent bounds).
 */
const Z_95 = 1.959963984540054;

const logistic = (f: number): number => 1 / (1 + Math.exp(-f));

export function needsReview(latentMean: number, latentStd: number, threshold: number): boolean {
  const low = logistic(latentMean - Z_95 * latentStd);
  const high = logistic(latentMean + Z_95 * latentStd);
  return low < threshold && threshold <= high;
}
