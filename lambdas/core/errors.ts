/**
 * Error classes shared by the core. Each has a literal `name`, because Step Functions'
 * Retry/Catch and the API's error mapping match on it; each extends the built-in error of its
 * kind (RangeError for values out of their domain, TypeError for wrong shapes/types).
 */

/** Input data the core cannot use: NaN, Infinity, wrong column count, one class, no rows. */
export class InvalidDataError extends RangeError {
  override readonly name = 'InvalidDataError' as const;
}

/** Wrong shape or kind of argument (dimension mismatch, unknown option). */
export class ShapeError extends TypeError {
  override readonly name = 'ShapeError' as const;
}

/** A matrix that should be symmetric positive definite is not, even after the allowed jitter. */
export class NotPositiveDefiniteError extends RangeError {
  override readonly name = 'NotPositiveDefiniteError' as const;
}

/** A model artifact that cannot be loaded: unknown format version, corrupt or missing payload. */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError' as const;
}

/** A model used before it was fitted. */
export class NotFittedError extends Error {
  override readonly name = 'NotFittedError' as const;
}

/** A file that cannot be used as a whole: not CSV, empty, no header, required columns missing. */
export class UnusableFileError extends Error {
  override readonly name = 'UnusableFileError' as const;
}

/** Too few rows, or too few of one class, to train or evaluate a model honestly. */
export class InsufficientDataError extends RangeError {
  override readonly name = 'InsufficientDataError' as const;
}

/** A failure worth retrying (throttling, a dropped connection): the state machine's Retry matches this name. */
export class TransientError extends Error {
  override readonly name = 'TransientError' as const;
}
