/**
 * Run in a child process by test/unit/ml/parallel.test.ts with PROGNOS_THREADS set: a fit at a
 * size that uses the linear-algebra pool, printed as a hash of every number that matters (θ, the
 * log marginal likelihood, the Cholesky factor, leave-one-out and predictions), bit for bit, and
 * the pool's thread count, and whether the WebAssembly kernels ran (PROGNOS_WASM=0 turns them off).
 */
import { createHash } from 'node:crypto';
import { makeMoons } from '../../lambdas/cli/sample-data/moons.ts';
import { GaussianProcessClassifier } from '../../lambdas/core/ml/gpc.ts';
import { linalgPool } from '../../lambdas/core/ml/parallel.ts';
import { StandardScaler } from '../../lambdas/core/ml/scaler.ts';
import { wasmKernels } from '../../lambdas/core/ml/wasm/wasm-kernels.ts';

const data = makeMoons(400, { seed: 21, noise: 0.3 });
const x = new StandardScaler().fit(data.X).transform(data.X);
// Two optimiser steps from a fixed start: every pass (Cholesky, L⁻ᵀ, U Uᵀ) runs many times.
const model = new GaussianProcessClassifier({ kernel: { constant: 4, lengthScale: 0.7 }, relativeTolerance: 1e-3, gradientTolerance: 1e-3 }).fit(x, data.y);
const hash = createHash('sha256');
const add = (v: ArrayLike<number>) => hash.update(new Uint8Array(Float64Array.from(v).buffer));
add(model.summary.theta);
add([model.summary.logMarginalLikelihood]);
add(model.state.cholB);
add(model.leaveOneOut().probability);
add(model.predict(x).latentVariance);
process.stdout.write(JSON.stringify({ threads: linalgPool(x.rows)?.threads ?? 1, wasm: wasmKernels() !== undefined, hash: hash.digest('hex'), evaluations: model.summary.optimizer.evaluations }) + '\n');
