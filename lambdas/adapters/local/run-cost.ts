import { type CostEstimate, estimateCost, withEarlierAttempts } from '../../core/cost/cost-model.ts';
import { CountingObjectStore } from '../../core/cost/counting-object-store.ts';
import { taskMemoryOf } from '../../core/cost/function-memory.ts';
import { MeteredQueryEngine } from '../../core/cost/metered-query-engine.ts';
import { LIST_PRICES, type PriceList } from '../../core/cost/prices.ts';
import { type RecordedState, usageFromStates } from '../../core/cost/run-usage.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';
import type { QueryEngine } from '../../core/ports/query-engine.ts';
import { isLocalStandInState } from './distributed-map.ts';
import type { RunRecord } from './run-record.ts';

/**
 * What one local run would cost in AWS: its steps work through a counting store and a metered
 * query engine, and when it ends the run record's states give the Lambda time and transitions.
 */
export interface RunMeter {
  /** The store the run's steps (and its Distributed Map's ItemReader) use. */
  readonly store: CountingObjectStore;
  /** The query engine the run's steps use. */
  readonly queries: MeteredQueryEngine;
  /** The estimate for the record as it ends (runStateMachine's `estimateCost`). */
  estimate(record: RunRecord): Promise<CostEstimate>;
}

/**
 * DuckDB reports no bytes scanned, so each query is taken to read every Parquet object under
 * `tablePrefix` (`lake/features/`): an upper bound of what Athena would scan, which prunes
 * partitions and columns. Listed through `store` itself, so the estimate adds no requests.
 */
export function localRunMeter(store: ObjectStore, queries: QueryEngine, tablePrefix: string, prices: PriceList = LIST_PRICES): RunMeter {
  const counting = new CountingObjectStore(store);
  const metered = new MeteredQueryEngine(queries, async () => {
    const objects = await store.list(tablePrefix);
    return objects.filter((object) => object.key.endsWith('.parquet')).reduce((sum, object) => sum + object.size, 0);
  });
  return {
    store: counting,
    queries: metered,
    async estimate(record) {
      const states = awsStates([...(record.redrives ?? []).flatMap((redrive) => redrive.replacedStates), ...record.states]);
      const usage = usageFromStates(states, taskMemoryOf(record.stateMachine) ?? {});
      const current = estimateCost(
        { lambda: usage.lambda, stateTransitions: usage.stateTransitions, athenaBytesScanned: metered.scanned(), athenaEstimated: true, s3: counting.counts() },
        prices,
        usage.unpricedTasks,
      );
      // On a redrive the record still holds the earlier attempts' estimate.
      return withEarlierAttempts(current, record.redriveCount ? record.cost : undefined, prices);
    },
  };
}

/** The states as AWS would have run them: without the local runner's stand-ins for the Distributed Map (distributed-map.ts). */
function awsStates(states: readonly RecordedState[]): RecordedState[] {
  return states
    .filter((state) => !isLocalStandInState(state.name))
    .map((state) => (state.iterations === undefined ? state : { ...state, iterations: state.iterations.map((iteration) => ({ states: awsStates(iteration.states) })) }));
}
