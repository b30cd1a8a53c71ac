/**
 * Local Tasks one at a time, in the order they start. In AWS each Task is its own Lambda with its
 * own CPU; locally every Task shares one JavaScript thread, so a Task started beside a long
 * CPU-bound one (the challengers beside the GP's Train in TrainModels) would sit out the other's
 * work inside its own TimeoutSeconds. Running them in turn makes each Task's time its own work
 * plus a queue, which the branch order (statemachines/training.asl.json) keeps short.
 */
export class SerialLane {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `work` after every earlier call has settled; its result or error is the caller's. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    // The next caller waits for this one whether it succeeds or fails.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
