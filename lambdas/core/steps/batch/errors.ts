/** Batch inference before any model was promoted: nothing can score, so the batch fails (its files stay for the next run). */
export class NoChampionError extends Error {
  override readonly name = 'NoChampionError' as const;
}
