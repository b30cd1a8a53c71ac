/**
 * A saved model's artifact as comparable data: every payload's bytes, and the manifest without
 * the one field that measures wall-clock time (the fit's seconds). Two fits of the same model
 * give equal values here, bit for bit.
 */
import type { ObjectStore } from '../../lambdas/core/ports/object-store.ts';
import { MODELS_PREFIX } from '../../lambdas/core/storage-keys.ts';

export async function modelBytes(store: ObjectStore, version: string): Promise<Record<string, unknown>> {
  const prefix = `${MODELS_PREFIX}${version}/model/`;
  const files: Record<string, unknown> = {};
  for (const { key } of await store.list(prefix)) {
    const body = (await store.get(key)).body;
    const file = key.slice(prefix.length);
    if (file.endsWith('.json')) {
      const json = JSON.parse(new TextDecoder().decode(body)) as { fitSummary?: { fitSeconds?: number } };
      delete json.fitSummary?.fitSeconds;
      files[file] = json;
    } else {
      files[file] = Buffer.from(body).toString('base64');
    }
  }
  return files;
}
