/**
 * Turns ajv's errors into diagnostics a person can act on: one per problem, with the file, JSON path, line
 * and column, "did you mean" for misspelt fields and values, and without the follow-on noise ajv reports
 * for if/then and anyOf.
 */
import type { ErrorObject } from 'ajv';
import { error, jsonPath, type Diagnostic } from '../diagnostics';
import { locate, type ConfigFile, type Segment } from './config-file';
import { suggestion } from './did-you-mean';

export interface SchemaProblem {
  diagnostic: Diagnostic;
  /** Path of the value the problem is about (the loader drops resources that have problems). */
  segments: Segment[];
}

type Schema = Record<string, unknown>;

/** What a pattern means, for the patterns the schemas use. */
const PATTERN_MEANINGS: Record<string, string> = {
  '^([a-z_]+\\.)?[A-Za-z_][A-Za-z0-9_-]*$':
    'expected a resource name like "warehouse" or an address like "source.warehouse"',
  '^[0-9]+(m|h|d)$': 'expected a number and a unit (m, h or d), like "15m", "2h" or "1d"',
  '^[0-9]+\\.[0-9]+$': 'expected a major.minor version like "1.7"',
  '^https?://': 'expected an http:// or https:// URL',
  '^https://': 'expected an https:// URL',
  '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$': 'expected a subdomain: letters, digits and "-"',
};

const NAME_RULE = 'names start with a letter or "_" and contain only letters, digits, "_" and "-"';
const SECRET_SHAPE = '{ "env": "NAME" } or { "file": "path" }';

export function schemaProblems(all: readonly ErrorObject[], file: ConfigFile): SchemaProblem[] {
  // A URL that is not a URL breaks both `format` and the scheme `pattern`; the pattern's message says more.
  const patterned = new Set(all.filter((e) => e.keyword === 'pattern').map((e) => e.instancePath));
  const errors = all.filter((e) => !(e.keyword === 'format' && patterned.has(e.instancePath)));
  const problems: SchemaProblem[] = [];
  const consumed = new Set<number>();
  const secretGroups = new Map<string, ErrorObject[]>();
  const required = new Map<string, ErrorObject[]>();
  const segmentsOf = (e: ErrorObject): Segment[] => decodePointer(e.instancePath, file.value);
  const emit = (
    segments: Segment[],
    summary: string,
    opts: { key?: boolean; detail?: string; at?: Segment[] } = {},
  ) => {
    const at = opts.at ?? segments;
    problems.push({
      diagnostic: error(summary, {
        detail: opts.detail,
        file: file.displayPath,
        path: jsonPath(segments),
        ...locate(file, at, opts.key),
      }),
      segments: at,
    });
  };

  // Composite keywords first: ajv reports their cases' errors before them, and those must not be shown raw.
  const composites = new Map<number, ErrorObject[]>();
  errors.forEach((e, i) => {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'propertyNames') return;
    const indexes = childrenOf(errors, i, consumed);
    indexes.forEach((c) => consumed.add(c));
    composites.set(
      i,
      indexes.map((c) => errors[c]),
    );
  });

  errors.forEach((e, i) => {
    if (consumed.has(i)) return;
    if (e.keyword === 'if') return; // "must match then schema": the error inside `then` says what.
    const children = composites.get(i);
    if (children === undefined) return handle(e);
    const segments = segmentsOf(e);
    if (e.keyword === 'propertyNames') {
      const name = String(e.params.propertyName);
      const at = [...segments, name];
      emit(at, `invalid name ${JSON.stringify(name)}: ${NAME_RULE}`, { key: true });
      return;
    }
    const typeErrors = children.filter((c) => c.keyword === 'type' && c.instancePath === e.instancePath);
    if (typeErrors.length === children.length) {
      const expected = typeErrors.map((c) =>
        isSecretError(c) ? 'a secret reference' : String(c.params.type),
      );
      emit(
        segments,
        `wrong type for ${label(segments)}: expected ${expected.join(' or ')}, got ${typeName(e.data)}`,
        {
          detail: expected.includes('a secret reference')
            ? `A secret reference is ${SECRET_SHAPE}.`
            : undefined,
        },
      );
      return;
    }
    // Some case got past its type check: its errors are the useful ones, the other cases' are noise.
    for (const c of children) if (!typeErrors.includes(c)) handle(c);
  });

  function handle(e: ErrorObject): void {
    if (e.keyword === 'required' && !isSecretError(e)) {
      const group = required.get(e.instancePath) ?? [];
      if (group.length === 0) required.set(e.instancePath, group);
      group.push(e);
      return;
    }
    if (isSecretError(e)) {
      const root = secretRoot(e);
      const group = secretGroups.get(root) ?? [];
      if (group.length === 0) secretGroups.set(root, group);
      group.push(e);
      return;
    }
    translate(e, segmentsOf(e), emit);
  }

  for (const group of secretGroups.values()) secretProblem(group, segmentsOf, emit);
  for (const group of required.values()) missingFields(group, segmentsOf(group[0]), emit);
  // In the order of the file, as a reader goes through it.
  const order = (p: SchemaProblem) => (p.diagnostic.line ?? 0) * 1e6 + (p.diagnostic.column ?? 0);
  return dedupe(problems).sort((a, b) => order(a) - order(b));
}

type Emit = (
  segments: Segment[],
  summary: string,
  opts?: { key?: boolean; detail?: string; at?: Segment[] },
) => void;

function translate(e: ErrorObject, segments: Segment[], emit: Emit): void {
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
function missingFields(group: ErrorObject[], segments: Segment[], emit: Emit): void {
  const parent = (group[0].parentSchema ?? {}) as Schema;
  const hint = typeof parent['x-hint'] === 'string' ? parent['x-hint'] : undefined;
  const names = [...new Set(group.map((e) => JSON.stringify(String(e.params.missingProperty))))];
  const allowed = Object.keys((parent.properties ?? {}) as Schema);
  emit(segments, `missing required field${names.length === 1 ? '' : 's'} ${names.join(', ')}`, {
    key: true,
    detail: join(hint, allowed.length > 0 ? `Fields allowed here: ${allowed.join(', ')}.` : undefined),
  });
}

/** One problem per secret reference, however many of the secret schema's keywords it broke. */
function secretProblem(group: ErrorObject[], segmentsOf: (e: ErrorObject) => Segment[], emit: Emit): void {
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

function isSecretError(e: ErrorObject): boolean {
  return e.schemaPath.startsWith('secret.schema.json');
}

/** Instance path of the secret reference object an error of the secret schema is about. */
function secretRoot(e: ErrorObject): string {
  const onRoot = /^secret\.schema\.json#?\/(type|additionalProperties|minProperties|maxProperties)$/.test(
    e.schemaPath,
  );
  return onRoot ? e.instancePath : e.instancePath.replace(/\/[^/]*$/, '');
}

/**
 * Errors ajv reported for the cases of a composite keyword: those right before it, about the same value or
 * values inside it, not yet claimed by an earlier composite.
 */
function childrenOf(errors: readonly ErrorObject[], index: number, consumed: Set<number>): number[] {
  const path = errors[index].instancePath;
  const children: number[] = [];
  for (let j = index - 1; j >= 0 && !consumed.has(j); j--) {
    const p = errors[j].instancePath;
    if (p !== path && !p.startsWith(path + '/')) break;
    children.unshift(j);
  }
  return children;
}

/** JSON pointer to path segments; a segment is a number where the value there is an array. */
function decodePointer(pointer: string, root: unknown): Segment[] {
  if (pointer === '') return [];
  const segments: Segment[] = [];
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg: Segment = Array.isArray(cur) && /^\d+$/.test(key) ? Number(key) : key;
    segments.push(seg);
    cur =
      typeof cur === 'object' && cur !== null ? (cur as Record<string | number, unknown>)[seg] : undefined;
  }
  return segments;
}

/** `"port"`, `"days[2]"`: the field a value belongs to, as a user wrote it. */
function label(segments: readonly Segment[]): string {
  let i = segments.length - 1;
  let suffix = '';
  while (i >= 0 && typeof segments[i] === 'number') suffix = `[${segments[i--]}]` + suffix;
  return i < 0 ? 'the file' : JSON.stringify(String(segments[i]) + suffix);
}

function typeName(value: unknown): string {
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

/** The same message for the same place once (several schema cases can report one problem). */
function dedupe(problems: SchemaProblem[]): SchemaProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.diagnostic.path}|${p.diagnostic.summary}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
