import { z } from 'zod';
import { ShapeError } from '../errors.ts';
import type { ConstantRbfKernel } from './kernel.ts';

/**
 * How much each model input matters to a fitted stationary kernel (RBF or Matérn): its relevance 1/l, the inverse of
 * the input's length scale (in the scaled units the model sees, standard deviations of the
 * training rows). A short length scale means the prediction changes within a fraction of an sd
 * of that input; at the ARD upper bound the input is switched off. An isotropic kernel gives
 * every input the same relevance: it cannot tell them apart.
 */
export const inputRelevanceSchema = z.object({
  /** The model input, as named in the training set's feature names. */
  input: z.string().min(1),
  lengthScale: z.number().positive(),
  /** 1 / lengthScale. */
  relevance: z.number().positive(),
});

export type InputRelevance = z.infer<typeof inputRelevanceSchema>;

/** One entry per input, in input order (the order of the model's columns). */
export function inputRelevances(kernel: ConstantRbfKernel, inputNames: readonly string[]): InputRelevance[] {
  if (inputNames.length !== kernel.nFeatures) {
    throw new ShapeError(`relevances: the kernel has ${kernel.nFeatures} input(s) but ${inputNames.length} name(s) were given`);
  }
  const scales = kernel.lengthScales;
  return inputNames.map((input, d) => {
    const lengthScale = scales[kernel.isotropic ? 0 : d];
    return { input, lengthScale, relevance: 1 / lengthScale };
  });
}
