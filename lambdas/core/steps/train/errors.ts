/** Errors of the Train step's loop. Each has a literal `name`: the state machine's Catch and the run record show it. */

/** A stored Train checkpoint that cannot be resumed: unreadable, of another model kind or format, or with a damaged state. */
export class TrainCheckpointError extends Error {
  override readonly name = 'TrainCheckpointError' as const;
}
