/**
 * At most `cap` of the holdout rows `holdout` (indices into the training set, labels `y`): a
 * stratified sample that keeps each class's share, in ascending order.
 *
 * Within each class it keeps the rows with the smallest split positions. A holdout row's
 * position is a hash of its id (uniform below config.holdoutFraction, whatever its class), so this
 * is a uniform sample per class, and a stable one: a reading scored in one run is scored again in
 * the next unless the cap binds harder. The rows left out go to neither side of the split, so no
 * model trains on a reading another run scores.
 */
export function capHoldout(holdout: readonly number[], y: Uint8Array, position: (index: number) => number, cap: number): number[] {
  if (!Number.isInteger(cap) || cap < 0) throw new RangeError(`the holdout cap must be a non-negative integer, got ${cap}`);
  if (holdout.length <= cap) return [...holdout];
  const classes: [number[], number[]] = [[], []];
  for (const i of holdout) classes[y[i] === 1 ? 1 : 0].push(i);
  const [negatives, positives] = classes;
  // The positives' share rounded, within what each class has (cap ≤ both classes together).
  const positiveQuota = Math.min(positives.length, Math.max(cap - negatives.length, Math.round((cap * positives.length) / holdout.length)));
  const lowest = (rows: number[], count: number): number[] =>
    rows
      .map((i) => ({ i, at: position(i) }))
      .sort((a, b) => a.at - b.at || a.i - b.i)
      .slice(0, count)
      .map(({ i }) => i);
  return [...lowest(positives, positiveQuota), ...lowest(negatives, cap - positiveQuota)].sort((a, b) => a - b);
}
