/**
 * Checks for an OpenAPI 3.0 document, written out instead of installing a validator: the
 * structure the specification requires of the parts the prediction API uses, the Schema Object's
 * keyword set (a JSON Schema draft 4 subset with `nullable`), and a validator of values against
 * such schemas. An unknown keyword is an error, never ignored, so nothing passes by omission.
 */

type Json = Record<string, unknown>;

/** The Schema Object keywords of OpenAPI 3.0.3 (section 4.7.24) that carry meaning here. */
const SCHEMA_KEYWORDS = new Set([
  '$ref', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems',
  'enum', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'format',
  'anyOf', 'oneOf', 'allOf', 'not', 'nullable', 'default', 'example', 'readOnly', 'writeOnly', 'deprecated', 'multipleOf',
  'uniqueItems', 'minProperties', 'maxProperties',
]);
const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean']);
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems with `doc` as an OpenAPI 3.0 document (empty: none). */
export function openApiProblems(doc: Json): string[] {
  const problems: string[] = [];
  const problem = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (typeof doc.openapi !== 'string' || !/^3\.0\.\d+$/.test(doc.openapi)) problem('openapi', `must be 3.0.x, got ${JSON.stringify(doc.openapi)}`);
  const info = doc.info;
  if (!isObject(info) || typeof info.title !== 'string' || typeof info.version !== 'string') problem('info', 'needs title and version strings');
  const allowedTop = new Set(['openapi', 'info', 'servers', 'paths', 'components', 'security', 'tags', 'externalDocs']);
  for (const key of Object.keys(doc)) if (!allowedTop.has(key) && !key.startsWith('x-')) problem(key, 'is not a field of the OpenAPI Object');
  const schemas = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
  for (const [name, schema] of Object.entries(schemas)) {
    if (!/^[a-zA-Z0-9.\-_]+$/.test(name)) problem(`components.schemas.${name}`, 'name must match ^[a-zA-Z0-9.\\-_]+$');
    checkSchema(schema, `components.schemas.${name}`, schemas, problem);
  }
  if (!isObject(doc.paths)) {
    problem('paths', 'is required');
    return problems;
  }
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/')) problem(`paths.${path}`, 'must start with /');
    if (!isObject(item)) {
      problem(`paths.${path}`, 'must be a Path Item Object');
      continue;
    }
    for (const [method, operation] of Object.entries(item)) {
      const where = `paths.${path}.${method}`;
      if (!METHODS.has(method)) {
        problem(where, 'is not an HTTP method');
        continue;
      }
      if (!isObject(operation)) continue;
      if (typeof operation.operationId === 'string') {
        if (operationIds.has(operation.operationId)) problem(where, `operationId ${operation.operationId} is not unique`);
        operationIds.add(operation.operationId);
      }
      if (operation.requestBody !== undefined) checkContent(operation.requestBody, `${where}.requestBody`, schemas, problem);
      if (!isObject(operation.responses) || Object.keys(operation.responses).length === 0) {
        problem(where, 'needs responses');
        continue;
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problem(`${where}.responses.${status}`, 'is not a status code, a range (4XX) or default');
        if (!isObject(response) || typeof response.description !== 'string') problem(`${where}.responses.${status}`, 'needs a description');
        else if (response.content !== undefined) checkContent(response, `${where}.responses.${status}`, schemas, problem);
      }
    }
  }
  return problems;
}

function checkContent(holder: unknown, where: string, schemas: Json, problem: (where: string, what: string) => void): void {
  if (!isObject(holder) || !isObject(holder.content)) return problem(where, 'needs content');
  for (const [mediaType, media] of Object.entries(holder.content)) {
    if (!isObject(media) || media.schema === undefined) problem(`${where}.content.${mediaType}`, 'needs a schema');
    else checkSchema(media.schema, `${where}.content.${mediaType}.schema`, schemas, problem);
  }
}

function checkSchema(schema: unknown, where: string, schemas: Json, problem: (where: string, what: string) => void): void {
  if (!isObject(schema)) return problem(where, 'must be a Schema Object');
  for (const key of Object.keys(schema)) if (!SCHEMA_KEYWORDS.has(key) && !key.startsWith('x-')) problem(where, `${key} is not a keyword of an OpenAPI 3.0 Schema Object`);
  if (typeof schema.$ref === 'string') {
    const name = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1];
    if (name === undefined || !(name in schemas)) problem(where, `$ref ${schema.$ref} resolves to nothing`);
  }
  if (schema.type !== undefined && (typeof schema.type !== 'string' || !TYPES.has(schema.type))) problem(where, `type ${JSON.stringify(schema.type)} is not one OpenAPI 3.0 type`);
  if (schema.type === 'array' && schema.items === undefined) problem(where, 'an array needs items');
  if (schema.required !== undefined && (!Array.isArray(schema.required) || schema.required.length === 0)) problem(where, 'required must be a non-empty list');
  if (schema.enum !== undefined && (!Array.isArray(schema.enum) || schema.enum.length === 0)) problem(where, 'enum must be a non-empty list');
  for (const [key, value] of Object.entries(isObject(schema.properties) ? schema.properties : {})) checkSchema(value, `${where}.properties.${key}`, schemas, problem);
  if (schema.items !== undefined) checkSchema(schema.items, `${where}.items`, schemas, problem);
  if (isObject(schema.additionalProperties)) checkSchema(schema.additionalProperties, `${where}.additionalProperties`, schemas, problem);
  for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[combinator];
    if (list !== undefined) (Array.isArray(list) ? list : [list]).forEach((s, i) => checkSchema(s, `${where}.${combinator}[${i}]`, schemas, problem));
  }
}

/** Where `value` breaks `schema` (a Schema Object of `doc`), as `path: problem` lines; empty when it conforms. */
export function schemaViolations(doc: Json, schema: Json, value: unknown, path = '$'): string[] {
  const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
  if (typeof schema.$ref === 'string') return schemaViolations(doc, schemas[schema.$ref.replace('#/components/schemas/', '')], value, path);
  const out: string[] = [];
  const fail = (what: string) => out.push(`${path}: ${what}`);
  if (value === null) return schema.nullable === true ? [] : [`${path}: null is not allowed`];
  if (Array.isArray(schema.anyOf)) {
    if (!(schema.anyOf as Json[]).some((s) => schemaViolations(doc, s, value, path).length === 0)) fail('matches none of anyOf');
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) fail(`${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  switch (schema.type) {
    case undefined:
      break;
    case 'object': {
      if (!isObject(value)) return [`${path}: expected an object`];
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      for (const key of (schema.required ?? []) as string[]) if (!(key in value)) fail(`${key} is required`);
      for (const [key, v] of Object.entries(value)) {
        if (key in properties) out.push(...schemaViolations(doc, properties[key], v, `${path}.${key}`));
        else if (schema.additionalProperties === false) fail(`${key} is not allowed`);
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected an array`];
      if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail(`fewer than ${schema.minItems} items`);
      if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail(`more than ${schema.maxItems} items`);
      value.forEach((item, i) => out.push(...schemaViolations(doc, schema.items as Json, item, `${path}[${i}]`)));
      break;
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected a string`];
      if (typeof schema.minLength === 'number' && value.length < schema.minLength) fail(`shorter than ${schema.minLength}`);
      if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
      break;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value)) return [`${path}: expected a number`];
      if (schema.type === 'integer' && !Number.isInteger(value)) fail('expected an integer');
      if (typeof schema.minimum === 'number' && value < schema.minimum) fail(`below ${schema.minimum}`);
      if (typeof schema.maximum === 'number' && value > schema.maximum) fail(`above ${schema.maximum}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') fail('expected a boolean');
      break;
    default:
      throw new Error(`${path}: schema type ${String(schema.type)} is not handled by this checker`);
  }
  return out;
}
