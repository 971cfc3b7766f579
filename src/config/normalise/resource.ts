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
import { dependenciesOf, stripAddressPrefixes } from './references';
import { canonicalSchedule } from './schedule';
import { SECRET_FIELDS } from './secret-fields';
import { extractSecrets } from './secrets';

export interface NormaliseOptions {
  configDir: string;
  env: NodeJS.ProcessEnv;
  readSecrets: boolean;
}

/** Adjustments a type needs beyond schema defaults. */
const TYPE_STEPS: Partial<Record<ResourceType, (attributes: Record<string, unknown>) => void>> = {
  git_sync: defaultProtocol,
  sync: canonicalSchedule,
};

export function normaliseResource(
  decl: Declaration,
  opts: NormaliseOptions,
): { resource: DesiredResource; diagnostics: Diagnostic[] } {
  const { lifecycle: written, ...rest } = copyJson(decl.value);
  const attributes: Record<string, unknown> = rest;
  stripAddressPrefixes(decl.type, attributes);
  TYPE_STEPS[decl.type]?.(attributes);

  const where = (attrPath: Segment[]) => {
    const segments = [...decl.segments, ...attrPath];
    return { file: decl.file.displayPath, path: jsonPath(segments), ...locate(decl.file, segments) };
  };
  const { values, diagnostics } = extractSecrets(attributes, SECRET_FIELDS[decl.type], {
    configDir: opts.configDir,
    env: opts.env,
    read: opts.readSecrets,
    where,
    owner: decl.address,
  });

  const position = locate(decl.file, decl.segments, true);
  const resource: DesiredResource = {
    address: decl.address,
    type: decl.type,
    name: decl.name,
    attributes,
    lifecycle: lifecycleOf(written),
    dependsOn: dependenciesOf(decl.type, decl.name, attributes),
    origin: { file: decl.file.displayPath, path: jsonPath(decl.segments), ...position },
    secrets: values,
  };
  return { resource, diagnostics };
}

/** A deep copy of a JSON value (what JSON.parse and schema defaults produce): faster than structuredClone. */
function copyJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJson) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = copyJson((value as Record<string, unknown>)[key]);
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out as T;
}

function lifecycleOf(written: unknown): Lifecycle {
  const l = (written ?? {}) as Partial<Lifecycle>;
  // Every type has both fields; only models act on `on_attached_change` (the schema allows it only there).
  return { prevent_destroy: l.prevent_destroy ?? false, on_attached_change: l.on_attached_change ?? 'fail' };
}
