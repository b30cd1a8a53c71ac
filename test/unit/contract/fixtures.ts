import { type DataContract, parseContract } from '../../../lambdas/core/contract/contract.ts';

/** A small contract with a timestamp, a string id, no `source` for some columns and two categoricals. */
export const PUMP_CONTRACT_JSON = {
  name: 'pumps',
  version: 1,
  id: { name: 'machine_id', source: 'Machine', type: 'string' },
  timestamp: { name: 'read_at', source: 'Time' },
  label: { name: 'needs_service', source: 'Service', positive: ['yes', 'Y'], negative: ['no', 'N'] },
  features: [
    { name: 'site', type: 'categorical', levels: ['North', 'South'] },
    { name: 'vibration_mm_s', source: 'Vibration [mm/s]', type: 'number', unit: 'mm/s', min: 0, max: 50 },
    { name: 'starts', source: 'Starts', type: 'integer', unit: '', min: 0, max: 1000 },
    { name: 'pump_model', source: 'Model', type: 'categorical', levels: ['A-1', 'B 2'] },
  ],
  drop: ['Operator'],
} as const;

export const PUMP_CONTRACT: DataContract = parseContract(PUMP_CONTRACT_JSON);

/** A deep copy of `json` (plain JSON data) that a test may change freely. */
export function copyOf<T>(json: T): T {
  return structuredClone(json) as T;
}
