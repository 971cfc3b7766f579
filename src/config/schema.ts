/**
 * The JSON Schemas in `schemas/` (the source of truth for config) as one validator, precompiled by ajv at
 * build time (`npm run generate:types` writes generated/config-validator.ts; CI fails when it is stale):
 * compiling the schemas at start-up cost more CPU than the rest of `backflow validate`. The validator
 * reports all errors, verbosely (each carries its schema and data, which the messages need), and fills in
 * the defaults the schemas declare.
 */
import { resolve } from 'node:path';
import type { ErrorObject } from 'ajv';

/** `schemas/` at the package root: two levels up from both src/config and dist/config. */
export const SCHEMA_DIR = resolve(__dirname, '..', '..', 'schemas');
/**
 * `$id`s are the file names, relative on purpose: `$ref`s between the files then resolve against wherever
 * the files are read from (node_modules/backflow-etl/schemas for an editor), never against a web address that
 * editors would try to fetch.
 */
export const CONFIG_SCHEMA_ID = 'config.schema.json';

interface CompiledValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/**
 * Validates one parsed config file against config.schema.json. Mutates `value`: defaults from the schemas
 * are filled in. Returns ajv's errors (empty when valid).
 */
export function validateConfigValue(value: unknown): ErrorObject[] {
  // Loaded on first use: 270 kB of generated code that commands without config never need.
  const validator = (require('./generated/config-validator') as { validate: CompiledValidator }).validate;
  return validator(value) ? [] : [...(validator.errors ?? [])];
}
