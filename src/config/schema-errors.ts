/**
 * Turns ajv's errors into diagnostics a person can act on: one per problem, with the file, JSON path, line
 * and column, "did you mean" for misspelt fields and values, and without the follow-on noise ajv reports
 * for if/then and anyOf. The wording lives in schema-messages.ts.
 */
import type { ErrorObject } from 'ajv';
import { error, jsonPath, type Diagnostic } from '../diagnostics';
import { locate, type ConfigFile, type Segment } from './config-file';
import { suggestion } from './did-you-mean';
import {
  isSecretError,
  label,
  missingFields,
  NAME_RULE,
  SECRET_SHAPE,
  secretProblem,
  secretRoot,
  translate,
  typeName,
} from './schema-messages';

export interface SchemaProblem {
  diagnostic: Diagnostic;
  /** Path of the value the problem is about (the loader drops resources that have problems). */
  segments: Segment[];
}

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
      const fields = (e.schema as { enum?: unknown } | undefined)?.enum;
      if (Array.isArray(fields)) {
        // A closed list of field names (a destination's fields depend on its type).
        const allowed = fields.map(String);
        emit(at, `unknown field ${JSON.stringify(name)}${suggestion(name, allowed)}`, {
          key: true,
          detail: `Fields allowed here: ${allowed.join(', ')}.`,
        });
        return;
      }
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
