/**
 * The JSON Schemas in `schemas/` (the source of truth for config), compiled once with ajv.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** `schemas/` at the package root: two levels up from both src/config and dist/config. */
export const SCHEMA_DIR = resolve(__dirname, '..', '..', 'schemas');
/**
 * `$id`s are the file names, relative on purpose: `$ref`s between the files then resolve against wherever
 * the files are read from (node_modules/backflow-etl/schemas for an editor), never against a web address that
 * editors would try to fetch.
 */
export const CONFIG_SCHEMA_ID = 'config.schema.json';

let validator: ValidateFunction | undefined;

function compile(): ValidateFunction {
  const ajv = new Ajv({
    allErrors: true,
    // Defaults written in the schemas are filled in as the file validates: one source of truth for them.
    useDefaults: true,
    // Errors carry their schema and data, which the messages need (allowed field names, enum values).
    verbose: true,
    allowUnionTypes: true,
    strictTypes: true,
    strictTuples: true,
  });
  addFormats(ajv, ['uri']);
  // Annotations: `tsType` steers the type generator; `x-hint` is extra help printed under an error.
  ajv.addKeyword({ keyword: 'tsType', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  for (const name of readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.schema.json'))
    .sort()) {
    ajv.addSchema(JSON.parse(readFileSync(join(SCHEMA_DIR, name), 'utf8')) as object);
  }
  const validate = ajv.getSchema(CONFIG_SCHEMA_ID);
  if (validate === undefined) throw new Error(`internal: ${CONFIG_SCHEMA_ID} not found in ${SCHEMA_DIR}`);
  return validate;
}

/**
 * Validates one parsed config file against config.schema.json. Mutates `value`: defaults from the schemas
 * are filled in. Returns ajv's errors (empty when valid).
 */
export function validateConfigValue(value: unknown): ErrorObject[] {
  validator ??= compile();
  return validator(value) ? [] : [...(validator.errors ?? [])];
}
