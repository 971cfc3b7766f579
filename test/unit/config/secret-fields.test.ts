import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS, RESOURCE_TYPES } from '../../../src/graph/address';
import { BACKEND_SECRET_FIELDS, SECRET_FIELDS } from '../../../src/config/normalise/secret-fields';
import { SCHEMA_DIR } from '../../../src/config/schema';

type Schema = Record<string, unknown>;

const read = (file: string): Schema => JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as Schema;

/** Every attribute path at which a schema (following $refs and conditionals) takes a secret reference. */
function secretPaths(file: string, schema: Schema, path: string[], out: Set<string>, depth = 0): void {
  if (depth > 20) return;
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const [target, pointer] = ref.split('#');
    if (target === 'secret.schema.json') return void out.add(path.join('.'));
    const targetFile = target === '' ? file : target;
    let node: unknown = read(targetFile);
    for (const key of (pointer ?? '').split('/').filter(Boolean)) node = (node as Schema)[key];
    return secretPaths(targetFile, node as Schema, path, out, depth + 1);
  }
  for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    if (key !== 'lifecycle') secretPaths(file, sub, [...path, key], out, depth + 1);
  }
  if (typeof schema.additionalProperties === 'object') {
    secretPaths(file, schema.additionalProperties as Schema, [...path, '*'], out, depth + 1);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    for (const sub of (schema[key] ?? []) as Schema[]) secretPaths(file, sub, path, out, depth + 1);
  }
  for (const key of ['then', 'else']) {
    if (typeof schema[key] === 'object') secretPaths(file, schema[key] as Schema, path, out, depth + 1);
  }
}

describe('SECRET_FIELDS', () => {
  it.each(RESOURCE_TYPES)('lists exactly the secret positions of the %s schema', (type) => {
    const config = read('config.schema.json') as {
      properties: Record<string, { additionalProperties: Schema }>;
    };
    const found = new Set<string>();
    secretPaths('config.schema.json', config.properties[CONFIG_KEYS[type]].additionalProperties, [], found);
    expect([...found].sort()).toEqual(SECRET_FIELDS[type].map((p) => p.join('.')).sort());
  });

  it('lists exactly the secret positions of the backend schema', () => {
    const found = new Set<string>();
    secretPaths('backend.schema.json', read('backend.schema.json'), [], found);
    expect([...found].sort()).toEqual(BACKEND_SECRET_FIELDS.map((p) => p.join('.')).sort());
  });
});
