/**
 * The words of schema problems: one message per kind of ajv error, and the special cases that read better
 * as one problem (every missing field of an object, everything wrong with one secret reference).
 */
import type { ErrorObject } from 'ajv';
import type { Segment } from './config-file';
import { suggestion } from './did-you-mean';

type Schema = Record<string, unknown>;

/** What a pattern means, for the patterns the schemas use. */
const PATTERN_MEANINGS: Record<string, string> = {
  '^([a-z_]+\\.)?[A-Za-z_][A-Za-z0-9_-]*$':
    'expected a resource name like "warehouse" or an address like "source.warehouse"',
  '^[0-9]+(m|h|d)$': 'expected a number and a unit (m, h or d), like "15m", "2h" or "1d"',
  '^[0-9]+\\.[0-9]+$': 'expected a major.minor version like "1.7"',
  '^https?://': 'expected an http:// or https:// URL',
  '^https://': 'expected an https:// URL',
  '^(https://|http://(localhost|127\\.[0-9]+\\.[0-9]+\\.[0-9]+|\\[::1\\])(:[0-9]+)?(/|$))':
    'expected an https:// URL',
  '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$': 'expected a subdomain: letters, digits and "-"',
};

export const NAME_RULE = 'names start with a letter or "_" and contain only letters, digits, "_" and "-"';
export const SECRET_SHAPE = '{ "env": "NAME" } or { "file": "path" }';

export type Emit = (
  segments: Segment[],
  summary: string,
  opts?: { key?: boolean; detail?: string; at?: Segment[] },
) => void;

export function translate(e: ErrorObject, segments: Segment[], emit: Emit): void {
  const parent = (e.parentSchema ?? {}) as Schema;
  const hint = typeof parent['x-hint'] === 'string' ? parent['x-hint'] : undefined;
  const field = label(segments);
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(e.params.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as Schema);
      emit(segments, `unknown field ${JSON.stringify(name)}${suggestion(name, allowed)}`, {
        key: true,
        at: [...segments, name],
        detail: join(hint, allowed.length > 0 ? `Fields allowed here: ${allowed.join(', ')}.` : undefined),
      });
      return;
    }
    case 'type': {
      const expected = ([] as string[]).concat(e.params.type as string | string[]).join(' or ');
      const got = typeName(e.data);
      const quote = expected === 'string' && (got === 'number' || got === 'integer');
      emit(segments, `wrong type for ${field}: expected ${expected}, got ${got}`, {
        detail: quote ? 'Put the value in double quotes (as a number, "1.10" would read as 1.1).' : hint,
      });
      return;
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => String(v));
      const near = typeof e.data === 'string' ? suggestion(e.data, allowed) : '';
      emit(
        segments,
        `invalid value ${show(e.data)} for ${field}: expected one of ${allowed.join(', ')}${near}`,
      );
      return;
    }
    case 'const':
      emit(
        segments,
        `invalid value ${show(e.data)} for ${field}: expected ${JSON.stringify(e.params.allowedValue)}`,
      );
      return;
    case 'pattern': {
      const meaning = PATTERN_MEANINGS[String(e.params.pattern)] ?? `must match ${String(e.params.pattern)}`;
      emit(segments, `invalid value ${show(e.data)} for ${field}: ${meaning}`);
      return;
    }
    case 'format':
      emit(segments, `invalid value ${show(e.data)} for ${field}: expected a URL`);
      return;
    case 'minimum':
    case 'maximum': {
      const bound = e.keyword === 'minimum' ? 'at least' : 'at most';
      emit(segments, `${field} must be ${bound} ${String(e.params.limit)}, got ${show(e.data)}`);
      return;
    }
    case 'minLength':
      emit(segments, `${field} must not be empty`);
      return;
    case 'minItems':
      emit(segments, `${field} must list at least ${String(e.params.limit)} value(s)`);
      return;
    case 'uniqueItems': {
      const items = e.data as unknown[];
      emit(segments, `${field} lists ${show(items[Number(e.params.j)])} more than once`);
      return;
    }
    default:
      emit(segments, `${field}: ${e.message ?? 'invalid value'}`, { detail: hint });
  }
}

/** One problem per object, naming every required field it lacks. */
export function missingFields(group: ErrorObject[], segments: Segment[], emit: Emit): void {
  const parent = (group[0].parentSchema ?? {}) as Schema;
  const hint = typeof parent['x-hint'] === 'string' ? parent['x-hint'] : undefined;
  const names = [...new Set(group.map((e) => JSON.stringify(String(e.params.missingProperty))))];
  const closed = (parent.propertyNames as Schema | undefined)?.enum;
  const allowed = Array.isArray(closed)
    ? closed.map(String)
    : Object.keys((parent.properties ?? {}) as Schema);
  emit(segments, `missing required field${names.length === 1 ? '' : 's'} ${names.join(', ')}`, {
    key: true,
    detail: join(hint, allowed.length > 0 ? `Fields allowed here: ${allowed.join(', ')}.` : undefined),
  });
}

/** One problem per secret reference, however many of the secret schema's keywords it broke. */
export function secretProblem(
  group: ErrorObject[],
  segmentsOf: (e: ErrorObject) => Segment[],
  emit: Emit,
): void {
  const first = group[0];
  const rootSegments = segmentsOf(first);
  if (first.instancePath !== secretRoot(first)) rootSegments.pop();
  const field = label(rootSegments);
  const detail = `A secret reference is ${SECRET_SHAPE}.`;
  const typeError = group.find((e) => e.keyword === 'type' && e.instancePath === secretRoot(e));
  if (typeError !== undefined) {
    // Never echo the value: a literal where a secret belongs is most likely the secret itself.
    emit(rootSegments, `${field} must be a secret reference, not ${article(typeName(typeError.data))}`, {
      detail: `Secrets are never written into config. Use ${SECRET_SHAPE}.`,
    });
    return;
  }
  const unknown = group.find((e) => e.keyword === 'additionalProperties');
  if (unknown !== undefined) {
    const key = String(unknown.params.additionalProperty);
    emit(
      rootSegments,
      `invalid secret reference for ${field}: unknown key ${JSON.stringify(key)}${suggestion(key, ['env', 'file'])}`,
      {
        key: true,
        at: [...rootSegments, key],
        detail,
      },
    );
    return;
  }
  if (group.some((e) => e.keyword === 'maxProperties' || e.keyword === 'minProperties')) {
    emit(rootSegments, `invalid secret reference for ${field}: give exactly one of "env" or "file"`, {
      detail,
    });
    return;
  }
  const inner = segmentsOf(first);
  emit(inner, `invalid secret reference for ${field}: ${label(inner)} must be a non-empty string`, {
    detail,
  });
}

export function isSecretError(e: ErrorObject): boolean {
  return e.schemaPath.startsWith('secret.schema.json');
}

/** Instance path of the secret reference object an error of the secret schema is about. */
export function secretRoot(e: ErrorObject): string {
  const onRoot = /^secret\.schema\.json#?\/(type|additionalProperties|minProperties|maxProperties)$/.test(
    e.schemaPath,
  );
  return onRoot ? e.instancePath : e.instancePath.replace(/\/[^/]*$/, '');
}

/** `"port"`, `"days[2]"`: the field a value belongs to, as a user wrote it. */
export function label(segments: readonly Segment[]): string {
  let i = segments.length - 1;
  let suffix = '';
  while (i >= 0 && typeof segments[i] === 'number') suffix = `[${segments[i--]}]` + suffix;
  return i < 0 ? 'the file' : JSON.stringify(String(segments[i]) + suffix);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function show(value: unknown): string {
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'array' : 'object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? text.slice(0, 57) + '..."' : text;
}

function join(...parts: (string | undefined)[]): string | undefined {
  const present = parts.filter((p): p is string => p !== undefined && p !== '');
  return present.length > 0 ? present.join('\n') : undefined;
}
