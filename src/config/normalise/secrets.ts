/**
 * Replaces every secret reference in a resource's attributes with a SensitiveValue marker and reads the
 * secret's value into the in-memory map. A secret that cannot be read is a diagnostic naming the reference,
 * never the value.
 */
import { error, type Diagnostic } from '../../diagnostics';
import { UserError } from '../../errors';
import {
  describeRef,
  isSecretRef,
  join,
  readSecret,
  type SecretRef,
  type SecretValues,
  type SensitiveValue,
} from '../secrets';
import type { Segment } from '../config-file';

export interface SecretContext {
  /** Folder relative `file` references resolve against. */
  configDir: string;
  env: NodeJS.ProcessEnv;
  /** When false, references become markers but no value is read (validation without credentials). */
  read: boolean;
  /** Where a secret that cannot be read is reported: attribute path → diagnostic location fields. */
  where: (attrPath: Segment[]) => Omit<Diagnostic, 'severity' | 'summary'>;
  /** Name used in messages, e.g. `git_sync.analytics`. */
  owner: string;
}

/** Shortest secret value accepted (see ../../secret-text.ts). */
export const MIN_SECRET_LENGTH = 4;

export function marker(ref: SecretRef): SensitiveValue {
  const copy: SecretRef = 'env' in ref ? { env: ref.env } : { file: ref.file };
  return { $sensitive: { ref: copy, fingerprint: '' } };
}

/** Mutates `attributes`: secrets at `fields` become markers. Returns the values read and any problems. */
export function extractSecrets(
  attributes: Record<string, unknown>,
  fields: readonly (readonly string[])[],
  ctx: SecretContext,
): { values: SecretValues; diagnostics: Diagnostic[] } {
  const values: SecretValues = new Map();
  const diagnostics: Diagnostic[] = [];
  for (const field of fields) {
    for (const { parent, key, path } of positions(attributes, field)) {
      const ref = parent[key];
      if (!isSecretRef(ref)) continue;
      parent[key] = marker(ref);
      if (!ctx.read) continue;
      const attrPath = path.reduce<string>((acc, k) => join(acc, k), '');
      try {
        const value = readSecret(ref, ctx.configDir, `${ctx.owner} ${attrPath}`, ctx.env);
        if ([...value].length < MIN_SECRET_LENGTH) {
          // Too short to hide: masking "abc" in messages would mask it inside ordinary words too.
          throw new UserError(
            `${ctx.owner} ${attrPath}: the secret in ${describeRef(ref)} is shorter than ${MIN_SECRET_LENGTH} characters`,
            'A password, token or key that short is guessable and cannot be kept out of messages: use the real one (a value that short is usually a placeholder).',
          );
        }
        values.set(attrPath, value);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        diagnostics.push(error(err.message, { detail: err.hint, address: ctx.owner, ...ctx.where(path) }));
      }
    }
  }
  return { values, diagnostics };
}

interface Position {
  parent: Record<string, unknown>;
  key: string;
  path: string[];
}

/** Every existing (parent object, key) that `field` names, expanding `*` over a map's keys. */
function positions(root: Record<string, unknown>, field: readonly string[]): Position[] {
  let frontier: { node: Record<string, unknown>; path: string[] }[] = [{ node: root, path: [] }];
  const out: Position[] = [];
  field.forEach((seg, i) => {
    const last = i === field.length - 1;
    const next: typeof frontier = [];
    for (const { node, path } of frontier) {
      const keys = seg === '*' ? Object.keys(node) : Object.hasOwn(node, seg) ? [seg] : [];
      for (const key of keys) {
        if (last) out.push({ parent: node, key, path: [...path, key] });
        else if (isPlainObject(node[key])) next.push({ node: node[key], path: [...path, key] });
      }
    }
    frontier = next;
  });
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
