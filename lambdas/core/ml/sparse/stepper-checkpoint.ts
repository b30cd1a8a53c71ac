import { z } from 'zod';
import { decodeFloats, encodeFloats } from './float-codec.ts';
import type { StepperState } from './lbfgs-stepper.ts';

/** The L-BFGS stepper's memory in a checkpoint (both sparse fits keep one): float arrays as exact base64. */
export const stepperCheckpointSchema = z.object({
  x: z.string(),
  value: z.number(),
  gradient: z.string(),
  s: z.array(z.string()),
  y: z.array(z.string()),
  iteration: z.int().nonnegative(),
  evaluations: z.int().nonnegative(),
  reason: z.enum(['gradient', 'relative-reduction', 'stalled', 'max-iterations', 'line-search']).optional(),
  trace: z.string(),
});
export type StepperCheckpoint = z.infer<typeof stepperCheckpointSchema>;

export function encodeStepper(st: StepperState): StepperCheckpoint {
  return {
    x: encodeFloats(st.x),
    value: st.value,
    gradient: encodeFloats(st.gradient),
    s: st.s.map(encodeFloats),
    y: st.y.map(encodeFloats),
    iteration: st.iteration,
    evaluations: st.evaluations,
    ...(st.reason && { reason: st.reason }),
    trace: encodeFloats(st.trace),
  };
}

export function decodeStepper(st: StepperCheckpoint): StepperState {
  return {
    x: decodeFloats(st.x, 'stepper.x'),
    value: st.value,
    gradient: decodeFloats(st.gradient, 'stepper.gradient'),
    s: st.s.map((v) => decodeFloats(v, 'stepper.s')),
    y: st.y.map((v) => decodeFloats(v, 'stepper.y')),
    iteration: st.iteration,
    evaluations: st.evaluations,
    reason: st.reason,
    trace: Array.from(decodeFloats(st.trace, 'stepper.trace')),
  };
}
