import type { z } from 'zod';

/**
 * Turns zod issues into one line each, `path: message`, with the path written the way a person
 * would point at the field in JSON: `features[2].max`, `instances[0].torque_nm`.
 */

/** `['features', 2, 'max']` → `features[2].max`; the empty path → `(root)`. */
export function issuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      return i === 0 ? name : `.${name}`;
    })
    .join('');
}

/** One `path: message` line per issue, in zod's order. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`);
}
