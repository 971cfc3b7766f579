/**
 * The root project's overrides of dbt's naming macros. Each is run for every model with the model's real
 * inputs and dbt's context (macro-eval.ts); a model whose evaluation fails (a macro that queries the
 * warehouse, an attribute Backflow does not know) is unresolved, naming the macro — never guessed. For
 * display, each is also classified by how it behaves on probes (custom name set or not, target named
 * 'prod' or not): the "custom schema only" pattern, `generate_schema_name_for_env` (dbt's built-in, or an
 * inline copy), a copy of dbt's default, or `evaluated` (none of those).
 */
import type { MacroOverride, OverrideHandling } from './catalog';
import { NotStaticError } from './errors';
import { NativeFn, pyStr, Unknown, type Value } from './jinja/evaluate';
import { callMacro, type MacroNode, type MacroRunner, type MacroTarget, type MacroWorld } from './macro-eval';
import type { MacroDef } from './macros';

export type NameKind = 'schema' | 'alias' | 'database';
export const NAME_KINDS: NameKind[] = ['database', 'schema', 'alias'];

export interface KindOverride {
  kind: NameKind;
  /** The macro dbt would run (generate_X_name, or its only dispatch variant). */
  effective: MacroDef;
  /** Every definition found for this kind (for the catalog's list). */
  defs: MacroDef[];
  handledAs: OverrideHandling;
  /** Why it is unrecognised, for the message. */
  why?: string;
  /** The macro never reads `node`: its result depends on the custom name (and target) only. */
  nodeFree?: boolean;
}

function canonical(kind: NameKind): string {
  return `generate_${kind}_name`;
}

/**
 * Which naming macros the root project overrides, and the one dbt would run for each kind: the project's
 * `generate_X_name`, else — as `adapter.dispatch` picks — `<adapter>__generate_X_name`, else
 * `default__generate_X_name`.
 */
export function findOverrides(
  macros: ReadonlyMap<string, MacroDef>,
  all: MacroDef[],
  adapterType?: string,
): KindOverride[] {
  const out: KindOverride[] = [];
  for (const kind of NAME_KINDS) {
    const name = canonical(kind);
    const defs = all.filter((d) => d.name === name || d.name.endsWith(`__${name}`));
    if (defs.length === 0) continue;
    const main = macros.get(name);
    const variants = defs.filter((d) => d.name !== name);
    const chosen =
      main ??
      (adapterType ? macros.get(`${adapterType}__${name}`) : undefined) ??
      macros.get(`default__${name}`);
    if (chosen) out.push({ kind, effective: chosen, defs, handledAs: 'unrecognised' });
    else {
      out.push({
        kind,
        effective: variants[0],
        defs,
        handledAs: 'unrecognised',
        why: adapterType
          ? `only adapter-specific variants for other adapters (${[...new Set(variants.map((d) => d.name))].join(', ')}) and the source's warehouse is ${adapterType}`
          : `adapter-specific variants (${[...new Set(variants.map((d) => d.name))].join(', ')}) and no adapter type`,
      });
    }
  }
  return out;
}

const PROBE_SCHEMA = 'tgt_probe';
const PROBE_DATABASE = 'db_probe';

function probeWorld(macros: ReadonlyMap<string, MacroDef>, targetName: string): MacroWorld {
  const noVars = new NativeFn('var', (args) => {
    if (args.length > 1) return args[1];
    throw new NotStaticError('var() without a default');
  });
  const noEnv = new NativeFn('env_var', (args) => {
    if (args.length > 1) return args[1];
    throw new NotStaticError('env_var() without a default');
  });
  return {
    macros,
    target: { schema: PROBE_SCHEMA, database: PROBE_DATABASE, name: targetName },
    var: noVars,
    envVar: noEnv,
  };
}

function probeNode(version: string | number | null = null): MacroNode {
  return { name: 'probe_model', version, package_name: 'probe', resource_type: 'model' };
}

const trim = (s: string) => s.trim();

/** [custom value, node version, target name] → what each known behaviour returns. */
interface Probe {
  custom: string | null;
  version: string | number | null;
  target: string;
}

const EXPECTED: Record<
  NameKind,
  { probes: Probe[]; behaviours: [OverrideHandling, (p: Probe) => string][] }
> = {
  schema: {
    probes: ['prod', 'dev'].flatMap((target) =>
      [null, 'marts', ' Sp ace '].map((custom) => ({ custom, version: null, target })),
    ),
    behaviours: [
      ['default', (p) => (p.custom === null ? PROBE_SCHEMA : `${PROBE_SCHEMA}_${trim(p.custom)}`)],
      ['custom_schema_only', (p) => (p.custom === null ? PROBE_SCHEMA : trim(p.custom))],
      [
        'generate_schema_name_for_env',
        (p) => (p.target === 'prod' && p.custom !== null ? trim(p.custom) : PROBE_SCHEMA),
      ],
    ],
  },
  alias: {
    probes: [null, 'custom_alias'].flatMap((custom) =>
      [null, 2, '1.5'].map((version) => ({ custom, version, target: 'dev' })),
    ),
    behaviours: [
      [
        'default',
        (p) =>
          p.custom !== null
            ? p.custom
            : p.version !== null
              ? `probe_model_v${String(p.version).replace('.', '_')}`
              : 'probe_model',
      ],
    ],
  },
  database: {
    probes: [null, 'raw'].map((custom) => ({ custom, version: null, target: 'dev' })),
    behaviours: [['default', (p) => (p.custom === null ? PROBE_DATABASE : p.custom)]],
  },
};

/** Classifies an override by running it on the probes; one that matches no known pattern is `evaluated`. */
export function classify(o: KindOverride, macros: ReadonlyMap<string, MacroDef>): KindOverride {
  if (o.why) return o;
  if (!o.effective.body) {
    return { ...o, why: `Backflow cannot parse the body of ${o.effective.name} in ${o.effective.file}` };
  }
  const nodeFree = readsNoNode(o, macros);
  const { probes, behaviours } = EXPECTED[o.kind];
  let results: string[];
  try {
    results = probes.map((p) =>
      pyStr(
        callMacro(
          o.effective.name,
          [p.custom, probeNode(p.version) as unknown as Value],
          probeWorld(macros, p.target),
        ),
      ).trim(),
    );
  } catch (err) {
    if (err instanceof NotStaticError) return { ...o, handledAs: 'evaluated', nodeFree };
    throw err;
  }
  for (const [handledAs, expect] of behaviours) {
    if (probes.every((p, i) => results[i] === expect(p))) return { ...o, handledAs, nodeFree };
  }
  return { ...o, handledAs: 'evaluated', nodeFree };
}

/** Whether the macro runs without looking at `node` (then one result per custom name serves every model). */
function readsNoNode(o: KindOverride, macros: ReadonlyMap<string, MacroDef>): boolean {
  const node = new Unknown('node', []);
  try {
    for (const target of ['prod', 'dev']) {
      for (const custom of [null, 'x'])
        callMacro(o.effective.name, [custom, node], probeWorld(macros, target));
    }
    return true;
  } catch (err) {
    if (err instanceof NotStaticError) return false;
    throw err;
  }
}

export function overrideList(overrides: KindOverride[]): MacroOverride[] {
  return overrides
    .flatMap((o) => o.defs.map((d) => ({ macro: d.name, file: d.file, handledAs: o.handledAs })))
    .sort((a, b) => a.macro.localeCompare(b.macro) || a.file.localeCompare(b.file));
}

/** Runs a recognised override for one model. Throws NotStaticError when it cannot be evaluated. */
export function runOverride(
  o: KindOverride,
  custom: string | null,
  node: MacroNode,
  run: MacroRunner,
): string | undefined {
  const v = run(o.effective.name, [custom, node as unknown as Value]);
  if (v === null) return undefined;
  if (v instanceof Unknown) throw new NotStaticError(`${v.what} is not known`, { hint: v.hint });
  return pyStr(v).trim();
}

export type { MacroTarget };
