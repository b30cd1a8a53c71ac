import { join, resolve } from 'node:path';
import { FsObjectStore } from '../adapters/local/fs-object-store.ts';
import { DuckDbQueryEngine } from '../adapters/local/duckdb-query-engine.ts';
import type { DataContract } from '../core/contract/contract.ts';
import { FEATURE_TABLE, featureTableColumns } from '../core/contract/table.ts';
import type { QueryEngine } from '../core/ports/query-engine.ts';
import { killInWrite } from './drills.ts';
import { FEATURES_PREFIX } from '../core/storage-keys.ts';

/**
 * The embedded defaults under one home folder (`.prognos/` unless `--home`): the folder is the
 * object store (keys `landing/…`, `lake/…`, `models/…` are its paths), DuckDB reads the lake's
 * Parquet in place, and `runs/` keeps the run records that Step Functions keeps in AWS.
 */
export interface Workspace {
  readonly home: string;
  readonly store: FsObjectStore;
  /** Folder of run records (`<home>/runs`). */
  readonly runsDir: string;
  /** Opens DuckDB on first use (it costs ~100 ms and is only needed to build training sets). */
  queries(): Promise<QueryEngine>;
  /** The file path behind a store key, for messages and for opening reports. */
  pathOf(key: string): string;
  close(): Promise<void>;
}

export function openWorkspace(home: string, contract: DataContract): Workspace {
  const root = resolve(home);
  const beforeRename = killInWrite();
  const store = new FsObjectStore(root, beforeRename ? { beforeRename } : {});
  let engine: Promise<DuckDbQueryEngine> | undefined;
  return {
    home: root,
    store,
    runsDir: join(root, 'runs'),
    queries() {
      engine ??= DuckDbQueryEngine.open({
        tables: [{ name: FEATURE_TABLE, root: join(root, FEATURES_PREFIX), columns: featureTableColumns(contract), partitionColumn: 'dt' }],
      });
      return engine;
    },
    pathOf: (key) => join(root, ...key.split('/')),
    async close() {
      if (engine !== undefined) await (await engine).close();
    },
  };
}
