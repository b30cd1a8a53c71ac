import { type GpArtifactManifest, isGpManifest } from '../../lambdas/core/ml/artifact.ts';
import type { DeployedModel } from '../../lambdas/core/ml/deployed-model.ts';
import type { MaintenanceModel } from '../../lambdas/core/ml/maintenance-model.ts';

/** The model as a GP, for tests of GP artifacts; fails the test when it is a challenger. */
export function asGp(model: DeployedModel): MaintenanceModel {
  if (!model.hasUncertainty) throw new Error(`expected a GP, got a ${model.kind}`);
  return model;
}

/** The manifest of a GP artifact; fails the test for a challenger's. */
export function gpManifest<M extends Parameters<typeof isGpManifest>[0]>(manifest: M): GpArtifactManifest {
  if (!isGpManifest(manifest)) throw new Error(`expected a GP manifest, got kind ${manifest.kind}`);
  return manifest;
}
