import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One logger, one metrics and one tracer per container, shared by every handler (Powertools'
 * recommended layout). Service name, namespace and level come from POWERTOOLS_* variables that
 * the shared function construct sets.
 */
export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();
