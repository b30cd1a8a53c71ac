import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type ComputeDriftResult, computeDrift } from '../core/steps/batch/compute-drift.ts';
import { awsBatchContext } from './support/batch-context.ts';
import { metrics } from './support/powertools.ts';
import { stepHandler } from './support/step-handler.ts';

/**
 * The ComputeDrift Task of the batch inference state machine. Its numbers become CloudWatch
 * metrics (the local runner keeps them in the run record): `DriftDetected` drives the alarm.
 */
export function emitDriftMetrics(result: ComputeDriftResult): void {
  metrics.addMetric('DriftDetected', MetricUnit.Count, result.drifted ? 1 : 0);
  metrics.addMetric('DriftedFeatures', MetricUnit.Count, [...result.features, ...result.categories].filter((feature) => feature.drifted).length);
  if (result.latentVariance) metrics.addMetric('LatentVarianceShift', MetricUnit.NoUnit, result.latentVariance.relativeShift);
  metrics.addMetric('DriftRetrainRequested', MetricUnit.Count, result.retrain.requested ? 1 : 0);
  for (const feature of result.features) {
    const single = metrics.singleMetric();
    single.addDimension('Feature', feature.name);
    single.addMetric('FeaturePsi', MetricUnit.NoUnit, feature.psi);
    single.addMetric('FeatureKs', MetricUnit.NoUnit, feature.ks);
  }
}

export const handler = stepHandler('ComputeDrift', computeDrift, awsBatchContext, (result) => emitDriftMetrics(result as ComputeDriftResult));
