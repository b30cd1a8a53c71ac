import { z } from 'zod';
import { ArtifactError } from '../errors.ts';

/**
 * A challenger classifier's stored form, `{ kind, formatVersion, … }`, read back: the same four
 * checks in the same order for every kind, so each refusal names what is wrong in the same words
 * (not JSON, not this kind, a format version this build does not read, a bad body).
 * @param json the stored object, or its JSON text
 * @param schema the whole body at `formatVersion`
 * @throws ArtifactError naming the kind and the problem
 */
export function readVersionedJson<T extends z.ZodType>(json: unknown, kind: string, formatVersion: number, schema: T): z.infer<T> {
  const value = typeof json === 'string' ? parseJson(json, kind) : json;
  // The header first: another kind or another version is named as such, not as a list of field errors.
  const header = z.object({ kind: z.literal(kind), formatVersion: z.number() }).safeParse(value);
  if (!header.success) throw new ArtifactError(`not a ${kind} model:\n${z.prettifyError(header.error)}`);
  if (header.data.formatVersion !== formatVersion) {
    throw new ArtifactError(`unsupported ${kind} format version ${header.data.formatVersion}; this build reads version ${formatVersion}`);
  }
  const body = schema.safeParse(value);
  if (!body.success) throw new ArtifactError(`invalid ${kind} model:\n${z.prettifyError(body.error)}`);
  return body.data;
}

function parseJson(text: string, kind: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ArtifactError(`${kind} model is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
