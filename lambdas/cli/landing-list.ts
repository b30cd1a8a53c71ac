import type { DataContract } from '../core/contract/contract.ts';
import { type LandingFileStatus, landingStatus } from '../core/steps/landing-status.ts';
import { formatTable } from './format.ts';
import type { CliIo } from './io.ts';
import { openWorkspace } from './workspace.ts';
import { LANDING_TRAINING_PREFIX } from '../core/storage-keys.ts';

/**
 * `prognos landing`: the files in `landing/training/` with what became of each — ingested (rows,
 * when), quarantined (why), edited after ingest, or pending — read from ingest's records.
 */
export async function runLanding(options: { readonly home: string; readonly contract: DataContract; readonly json?: boolean }, io: CliIo): Promise<LandingFileStatus[]> {
  const { store } = openWorkspace(options.home, options.contract);
  const files = await landingStatus(store, LANDING_TRAINING_PREFIX);
  if (options.json) {
    io.out(`${JSON.stringify({ files }, null, 2)}\n`);
    return files;
  }
  if (files.length === 0) {
    io.out(`no landing files: add readings with npx prognos ingest FILE\n`);
    return files;
  }
  const when = (iso: string): string => iso.slice(0, 19).replace('T', ' ');
  const rows = files.map(({ key, status }) => {
    const name = key.slice(LANDING_TRAINING_PREFIX.length);
    switch (status.state) {
      case 'ingested':
        return [name, 'ingested', when(status.at), `${status.rowsValid} rows${status.rowsQuarantined > 0 ? `, ${status.rowsQuarantined} quarantined` : ''}`];
      case 'quarantined':
      case 'edited':
        return [name, status.state, when(status.at), status.reason];
      case 'pending':
        return [name, 'pending', '', 'not ingested yet: npx prognos run'];
    }
  });
  io.out(formatTable([['file', 'state', 'when (UTC)', 'detail'], ...rows], { align: ['left', 'left', 'left', 'left'] }));
  const counts = (state: string) => files.filter((file) => file.status.state === state).length;
  io.out(`${files.length} file${files.length === 1 ? '' : 's'}: ${counts('ingested')} ingested, ${counts('quarantined')} quarantined, ${counts('edited')} edited, ${counts('pending')} pending\n`);
  return files;
}
