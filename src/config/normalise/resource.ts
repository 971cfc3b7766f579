/**
 * One declared resource → one DesiredResource: attributes as written plus schema defaults, `lifecycle`
 * apart, references as names, secrets as markers (values read into memory), and its dependencies.
 */
import { jsonPath, type Diagnostic } from '../../diagnostics';
import type { ResourceType } from '../../graph/address';
import { locate, type Segment } from '../config-file';
import type { Declaration } from '../declarations';
import type { DesiredResource, Lifecycle } from '../desired';
import { defaultProtocol } from './git-sync';
import { dependenciesOf, stripAddressPrefixes, type AddressIndex } from './references';
import { canonicalSchedule } from './schedule';
import { SECRET_FIELDS } from './secret-fields';
import { extractSecrets } from './secrets';
import type { SecretValues } from '../secrets';

export interface NormaliseOptions {
  configDir: string;
  env: NodeJS.ProcessEnv;
  readSecrets: boolean;
  /** Every declared address by type and name, to reuse as dependencies (see dependenciesOf). */
  declared?: AddressIndex;
}

/** Adjustments a type needs beyond schema defaults. */
const TYPE_STEPS: Partial<Record<ResourceType, (attributes: Record<string, unknown>) => void>> = {
  git_sync: defaultProtocol,
  sync: canonicalSchedule,
};

/**
 * Normalises `decl` and appends its problems to `diagnostics`.
 *
 * Takes over `decl.value`: the attributes are its members, changed in place (references stripped, secrets
 * replaced by markers, schedules sorted), not a copy. A declaration's value is a tree of its own (JSON.parse
 * and the cdktf front end's schema ordering share no object between resources) and nothing reads it after
 * normalisation; copying every resource of a 20,000-resource config cost a sixth of `plan`'s loading.
 */
export function normaliseResource(
  decl: Declaration,
  opts: NormaliseOptions,
  diagnostics: Diagnostic[],
): DesiredResource {
  const { value } = decl;
  const attributes = Object.hasOwn(value, 'lifecycle') ? withoutLifecycle(value) : value;
  stripAddressPrefixes(decl.type, attributes);
  TYPE_STEPS[decl.type]?.(attributes);

  let secrets: DesiredResource['secrets'];
  const fields = SECRET_FIELDS[decl.type];
  if (fields.length === 0) secrets = NO_SECRETS;
  else {
    const where = (attrPath: Segment[]) => {
      const segments = [...decl.segments, ...attrPath];
      return { file: decl.file.displayPath, path: jsonPath(segments), ...locate(decl.file, segments) };
    };
    const found = extractSecrets(attributes, fields, {
      configDir: opts.configDir,
      env: opts.env,
      read: opts.readSecrets,
      where,
      owner: decl.address,
    });
    for (const d of found.diagnostics) diagnostics.push(d);
    secrets = found.values;
  }

  const { line, column } = locate(decl.file, decl.segments, true);
  return {
    address: decl.address,
    type: decl.type,
    name: decl.name,
    attributes,
    lifecycle: lifecycleOf(value.lifecycle),
    dependsOn: dependenciesOf(decl.type, decl.name, attributes, opts.declared),
    origin: { file: decl.file.displayPath, path: jsonPath(decl.segments), line, column },
    secrets,
  };
}

/** The members of `value` but `lifecycle`, in their order (an own `__proto__` member stays a member). */
function withoutLifecycle(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === 'lifecycle') continue;
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: value[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = value[key];
  }
  return out;
}

/**
 * What a resource of a type without secret fields (models, syncs) holds: one map for all of them, which
 * refuses to be written to (the map of each resource that has secret fields is its own).
 */
class NoSecrets extends Map<string, string> {
  override set(): this {
    throw new Error('internal: a resource type without secret fields was given a secret');
  }
  override delete(): boolean {
    return false;
  }
  override clear(): void {}
}
const NO_SECRETS: SecretValues = new NoSecrets();

/** Most resources write no lifecycle: they share this one (read-only: frozen). */
const DEFAULT_LIFECYCLE: Lifecycle = Object.freeze({ prevent_destroy: false, on_attached_change: 'fail' });

function lifecycleOf(written: unknown): Lifecycle {
  if (written === undefined) return DEFAULT_LIFECYCLE;
  const l = (written ?? {}) as Partial<Lifecycle>;
  // Every type has both fields; only models act on `on_attached_change` (the schema allows it only there).
  return { prevent_destroy: l.prevent_destroy ?? false, on_attached_change: l.on_attached_change ?? 'fail' };
}
