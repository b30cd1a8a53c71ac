import type { ChallengerModel, ProbabilityPrediction } from './challenger-model.ts';
import type { KnownClassifier, MaintenanceModel, MaintenancePrediction } from './maintenance-model.ts';

/**
 * Any model an artifact may hold and a champion may be: a GP (probability, latent mean and sd)
 * or a challenger (probability only). Readers tell them apart by `hasUncertainty`, and a
 * prediction's latent fields are null exactly when the model has none.
 */
export type DeployedModel = MaintenanceModel<KnownClassifier> | ChallengerModel;
export type DeployedPrediction = MaintenancePrediction | ProbabilityPrediction;

/** Every kind an artifact records. */
export type DeployedKind = DeployedModel['kind'];
