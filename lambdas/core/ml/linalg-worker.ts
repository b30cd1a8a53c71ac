/**
 * The second core's side of parallel.ts: waits on a shared control block, runs its half of a
 * row-parallel linear-algebra pass on shared memory, and signals completion. Blocking waits are
 * fine here: this thread does nothing else.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { choleskyRowsLeftOfBlock, gramRows, triangularInverseRows } from './linalg.ts';
import { Control, Operation } from './parallel-protocol.ts';

const { control: controlBuffer, port } = workerData as { control: SharedArrayBuffer; port: MessagePort };
const control = new Int32Array(controlBuffer);
const slots: Float64Array[] = [];

function run(): void {
  const n = control[Control.N];
  const [start, end, extra] = [control[Control.Start], control[Control.End], control[Control.Extra]];
  switch (control[Control.Op]) {
    case Operation.CholeskyRows:
      choleskyRowsLeftOfBlock(slots[0], n, start, end, extra);
      break;
    case Operation.TriangularInverseRows:
      triangularInverseRows(slots[0], slots[1], n, start, end);
      break;
    case Operation.GramRows:
      gramRows(slots[1], slots[2], n, start, end);
      break;
    default:
      throw new Error(`unknown operation ${control[Control.Op]}`);
  }
}
let seen = 0;
Atomics.store(control, Control.Ready, 1);
Atomics.notify(control, Control.Ready);

for (;;) {
  Atomics.wait(control, Control.Sequence, seen);
  seen = Atomics.load(control, Control.Sequence);
  for (let m = control[Control.NewBuffers]; m > 0; m--) {
    let message = receiveMessageOnPort(port);
    while (!message) message = receiveMessageOnPort(port);
    const { slot, buffer } = message.message as { slot: number; buffer: SharedArrayBuffer };
    slots[slot] = new Float64Array(buffer);
  }
  try {
    run();
  } catch {
    // The main thread waits for Done whatever happens; the flag tells it the result is unusable.
    control[Control.Failed] = 1;
  }
  Atomics.store(control, Control.Done, seen);
  Atomics.notify(control, Control.Done);
}
