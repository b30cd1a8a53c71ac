import { train } from '../core/steps/train.ts';
import { stepHandler } from './step-handler.ts';

/** The Train Task of the training state machine. */
export const handler = stepHandler('Train', train);
