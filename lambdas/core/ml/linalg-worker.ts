/**
 * One helper thread of parallel.ts: sleeps on the shared control block, joins each pass it wakes
 * up for while the pass is still open, claims rows until none are left, and counts itself done.
 * Blocking waits are fine here: this thread does nothing else.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { claimRows, Control, JobState, runRows } from './parallel-protocol.ts';
import { instantiateKernels, type KernelExports, type KernelMemory, type KernelModule } from './wasm/wasm-kernels.ts';

const { control: controlBuffer, port } = workerData as { control: SharedArrayBuffer; port: MessagePort };
const control = new Int32Array(controlBuffer);
const slots: Float64Array[] = [];
let kernels: KernelExports | undefined;
let seen = 0;
Atomics.add(control, Control.Ready, 1);
Atomics.notify(control, Control.Ready);

for (;;) {
  Atomics.wait(control, Control.Sequence, seen);
  seen = Atomics.load(control, Control.Sequence);
  // Buffers are posted before the pass is announced, so they are all queued by now.
  for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) {
    const posted = message.message as { slot: number; buffer: SharedArrayBuffer } | { module: KernelModule; memory: KernelMemory };
    if ('module' in posted) kernels = instantiateKernels(posted.module, posted.memory);
    else slots[posted.slot] = new Float64Array(posted.buffer);
  }
  // Join only while the pass is open: the caller may have finished it alone, or begun a newer one.
  if (JobState.tryJoin(control, seen)) {
    try {
      const [op, n, extra] = [control[Control.Op], control[Control.N], control[Control.Extra]];
      claimRows(control, (from, to) => runRows(op, slots, n, from, to, extra, control, kernels));
    } catch {
      // The caller waits for Done whatever happens; the flag tells it the result is unusable.
      control[Control.Failed] = 1;
    }
    Atomics.add(control, Control.Done, 1);
    Atomics.notify(control, Control.Done);
  }
}
