import type { DescribedColumn } from './table.ts';
import type { DataContract } from './contract.ts';

/** The Glue table of batch predictions, `lake/predictions/dt=YYYY-MM-DD/…parquet`. */
export const PREDICTIONS_TABLE = 'predictions';

/**
 * Columns of the predictions table, in file order: the reading's id (typed as the contract's id),
 * what the model said, which model said it, and where the reading came from.
 */
export function predictionTableColumns(contract: DataContract): DescribedColumn[] {
  return [
    { name: contract.id.name, type: contract.id.type === 'integer' ? 'bigint' : 'string', nullable: false, comment: 'id of the scored reading' },
    { name: 'probability', type: 'double', nullable: false, comment: 'P(needs maintenance)' },
    { name: 'label', type: 'bigint', nullable: false, comment: "1 = needs maintenance (probability ≥ the model's threshold)" },
    // Null for a model without uncertainty (logistic regression, boosted trees): nothing is invented for it.
    { name: 'latent_mean', type: 'double', nullable: true, comment: 'mean of the latent function; null when the model has no uncertainty' },
    { name: 'latent_std', type: 'double', nullable: true, comment: "standard deviation of the latent function: the model's uncertainty; null when it has none" },
    { name: 'review', type: 'bigint', nullable: true, comment: '1 = the chance that the reading is on the other side of the threshold from its label exceeds the model review level: send a person; null when the model has no uncertainty' },
    { name: 'model_version', type: 'string', nullable: false, comment: 'model version that scored the reading' },
    { name: 'source_key', type: 'string', nullable: false, comment: 'landing file the reading came from' },
    { name: 'source_line', type: 'bigint', nullable: false, comment: 'line of the reading in that file' },
    { name: 'scored_at', type: 'timestamp', nullable: false, comment: 'when the batch was scored' },
  ];
}
