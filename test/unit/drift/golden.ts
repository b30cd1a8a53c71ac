import { readFileSync } from 'node:fs';

/** Golden values from numpy and scipy, written by fixtures/make_drift_fixture.py. */
export interface GoldenFeature {
  name: string;
  quantiles: number[];
  belowQuantile: number[];
  min: number;
  max: number;
  mean: number;
  sd: number;
}

export interface GoldenDrift {
  name: string;
  edges: number[];
  referenceShares: number[];
  batchCounts: number[];
  psi: number;
  ksApprox: number;
  ksExact: number;
}

export interface Golden {
  epsilon: number;
  ks: { name: string; a: number[]; b: number[]; statistic: number }[];
  psi: { name: string; expected: number[]; actual: number[]; psi: number }[];
  quantile: { values: number[]; quantiles: number[] };
  pipeline: {
    featureNames: string[];
    reference: number[][];
    batch: number[][];
    referenceLatentVariance: number[];
    batchLatentVariance: number[];
    expected: {
      features: GoldenFeature[];
      latentVariance: Omit<GoldenFeature, 'name'>;
      drift: GoldenDrift[];
      latentVarianceShift: { referenceMean: number; batchMean: number; relativeShift: number };
    };
  };
}

export const golden = JSON.parse(readFileSync(new URL('./fixtures/drift-golden.json', import.meta.url), 'utf8')) as Golden;
