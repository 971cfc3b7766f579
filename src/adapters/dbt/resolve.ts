/**
 * Static resolution of one model: its configs with dbt's precedence (the package's own dbt_project.yml,
 * then the root project's, most specific folder last; then properties YAML; then `config()` in the file),
 * evaluated with the package's vars; then its relation with dbt's default naming macros, or the project's
 * recognised overrides.
 */
import type { DbtRelation } from './catalog';
import {
  evaluateEntry,
  envVarFunction,
  varFunction,
  type ConfigKey,
  type EvalContext,
  type RawConfig,
} from './config-values';
import type { Draft } from './drafts';
import { DbtLoadError, NotStaticError } from './errors';
import { Unknown } from './jinja/evaluate';
import { macroEnvironment, type MacroEnvironment } from './macro-eval';
import type { MacroDef } from './macros';
import { runOverride, type KindOverride, type NameKind } from './overrides';
import type { ConfigTreeNode, ProjectSpec } from './project-yml';

export interface Target {
  schema: string;
  database?: string;
  name?: string;
  type?: string;
}

export interface ResolveContext {
  root: ProjectSpec;
  target: Target;
  env: Record<string, string | undefined>;
  /** var() lookup per package, with dbt's precedence. */
  varsFor(pkg: string, own: ProjectSpec): { get: EvalContext['vars']; names: () => string[] };
  overrides: ReadonlyMap<NameKind, KindOverride>;
  /** Runs a recognised override for a model (see OverrideRunner). */
  runOverride(o: KindOverride, custom: string | null, d: Draft): string | undefined;
  /** The macros a model's config values may call (its package's, the root project's, packages'). */
  macrosFor?(d: Draft): MacroEnvironment;
}

/**
 * Runs the project's recognised overrides: one macro runner per package (vars differ by package), and one
 * result per custom name for macros that never read `node` (most generate_schema_name overrides).
 */
export class OverrideRunner {
  private readonly runners = new Map<string, MacroEnvironment>();
  private readonly memo = new Map<string, string | undefined | NotStaticError>();
  constructor(
    private readonly macros: ReadonlyMap<string, MacroDef>,
    private readonly packages: ReadonlyMap<string, ReadonlyMap<string, MacroDef>>,
    private readonly target: Target,
    private readonly env: Record<string, string | undefined>,
    private readonly varsFor: ResolveContext['varsFor'],
    /** The root project's name and its `dispatch:` search orders, for `adapter.dispatch`. */
    private readonly dispatch: { rootProject: string; order: ReadonlyMap<string, readonly string[]> } = {
      rootProject: '',
      order: new Map(),
    },
  ) {}

  run(o: KindOverride, custom: string | null, d: Draft): string | undefined {
    const key = o.nodeFree
      ? `${o.kind}\u0000${d.pkg}\u0000${custom === null ? '\u0001' : custom}`
      : undefined;
    if (key !== undefined && this.memo.has(key)) {
      const hit = this.memo.get(key);
      if (hit instanceof NotStaticError) throw hit;
      return hit;
    }
    let result: string | undefined | NotStaticError;
    try {
      result = runOverride(
        o,
        custom,
        {
          name: d.name,
          version: d.version ?? null,
          package_name: d.pkg,
          resource_type: 'model',
          fqn: d.fqn,
          path: d.path,
          original_file_path: d.originalFilePath,
          unique_id: `model.${d.pkg}.${d.name}${d.version !== undefined ? `.v${d.version}` : ''}`,
        },
        this.environment(d).run,
      );
    } catch (err) {
      if (!(err instanceof NotStaticError)) throw err;
      result = err;
    }
    if (key !== undefined) this.memo.set(key, result);
    if (result instanceof NotStaticError) throw result;
    return result;
  }

  /** One macro environment per package (vars differ by package). */
  environment(d: Draft): MacroEnvironment {
    let r = this.runners.get(d.pkg);
    if (!r) {
      const vars = this.varsFor(d.pkg, d.unit.spec);
      r = macroEnvironment({
        macros: this.macros,
        packages: this.packages,
        rootProject: this.dispatch.rootProject,
        dispatchOrder: this.dispatch.order,
        target: {
          schema: this.target.schema,
          database: this.target.database,
          type: this.target.type,
          name:
            this.target.name ??
            new Unknown('target.name', ['prod'], 'Set the target name Backflow should assume (targetName).'),
        },
        var: varFunction({
          vars: vars.get,
          varNames: vars.names,
          env: this.env,
          targetSchema: this.target.schema,
          modelName: d.pkg,
        }),
        envVar: envVarFunction(this.env),
      });
      this.runners.set(d.pkg, r);
    }
    return r;
  }
}

export interface StaticResolution {
  /** Undefined when `enabled` could not be read statically. */
  enabled?: boolean;
  materialized?: string;
  relation?: DbtRelation;
  via: 'static' | 'static-override';
  detail: string;
  unresolvedReason?: string;
  /** The first value that could not be read statically, when that is why there is no relation. */
  problem?: NotStaticError;
}

export const MANIFEST_HINT = 'provide a manifest (manifest_path, or a dbt Cloud job)';

function applyTree(out: RawConfig, tree: ConfigTreeNode, fqn: string[]): void {
  Object.assign(out, tree.configs);
  let node: ConfigTreeNode | undefined = tree.children[fqn[0]];
  for (let i = 1; node; i++) {
    Object.assign(out, node.configs);
    if (i >= fqn.length) break;
    node = node.children[fqn[i]];
  }
}

/** The winning entry of each config key, with dbt's precedence. */
export function effectiveConfig(d: Draft, root: ProjectSpec): RawConfig {
  const out: RawConfig = {};
  if (!d.unit.isRoot) applyTree(out, d.unit.spec.models, d.fqn);
  applyTree(out, root.models, d.fqn);
  if (d.patch) Object.assign(out, d.patch.config);
  if (d.versionSpec) Object.assign(out, d.versionSpec.config);
  for (const c of d.summary.configs) {
    const conditional = 'spread' in c.raw || ('expr' in c.raw && c.raw.when !== undefined);
    out[c.key] = {
      raw: c.raw,
      origin: { kind: 'config()', file: d.file, line: c.line },
      ...(conditional && out[c.key] ? { below: out[c.key] } : {}),
    };
  }
  return out;
}

function originText(key: ConfigKey, value: string, cfg: RawConfig): string {
  const o = cfg[key]!.origin;
  if (o.kind === 'dbt_project.yml') return `+${key} '${value}' from ${o.file} ${o.path}`;
  if (o.kind === 'properties') return `${key} '${value}' from ${o.file}${o.line ? ` line ${o.line}` : ''}`;
  return `${key} '${value}' from config() in ${o.file} line ${o.line}`;
}

function defaultName(kind: NameKind, custom: string | null, d: Draft, t: Target): string | undefined {
  if (kind === 'database') return custom !== null ? custom.trim() : t.database;
  if (kind === 'schema') return custom === null ? t.schema : `${t.schema}_${custom.trim()}`;
  if (custom) return custom.trim();
  if (d.version !== undefined && d.version !== 0 && d.version !== '') {
    return `${d.name}_v${String(d.version).split('.').join('_')}`;
  }
  return d.name;
}

export function resolveDraft(d: Draft, ctx: ResolveContext): StaticResolution {
  const cfg = effectiveConfig(d, ctx.root);
  const vars = ctx.varsFor(d.pkg, d.unit.spec);
  const ectx: EvalContext = {
    vars: vars.get,
    varNames: vars.names,
    env: ctx.env,
    targetName: ctx.target.name,
    targetSchema: ctx.target.schema,
    targetDatabase: ctx.target.database,
    modelName: d.name,
    ...(ctx.macrosFor ? { macros: ctx.macrosFor(d), home: d.unit.isRoot ? undefined : d.pkg } : {}),
  };
  const read = (key: ConfigKey): unknown => (cfg[key] ? evaluateEntry(key, cfg[key]!, ectx) : undefined);
  const out: StaticResolution = { via: 'static', detail: 'static' };
  try {
    out.enabled = (read('enabled') as boolean | undefined) ?? true;
    if (!out.enabled) {
      out.unresolvedReason = 'disabled';
      try {
        out.materialized = (read('materialized') as string | undefined) ?? 'view';
      } catch {
        out.materialized = 'view';
      }
      return out;
    }
    out.materialized = (read('materialized') as string | undefined) ?? 'view';
    if (out.materialized === 'ephemeral') {
      out.unresolvedReason = 'ephemeral';
      return out;
    }
    const custom: Record<NameKind, string | null> = {
      database: (read('database') as string | null | undefined) ?? null,
      schema: (read('schema') as string | null | undefined) ?? null,
      alias: (read('alias') as string | null | undefined) ?? null,
    };
    return { ...out, ...nameRelation(d, custom, cfg, ctx) };
  } catch (caught) {
    // A value dbt would reject (enabled: maybe) is this model's problem, as is one Backflow cannot read.
    const err =
      caught instanceof DbtLoadError
        ? new NotStaticError(caught.reason, { file: caught.file, line: caught.line, hint: caught.hint })
        : caught;
    if (!(err instanceof NotStaticError)) throw err;
    const place = err.file ? `${err.file}${err.line ? ` line ${err.line}` : ''}: ` : '';
    return { ...out, problem: err, unresolvedReason: `${place}${err.message}` };
  }
}

function nameRelation(
  d: Draft,
  custom: Record<NameKind, string | null>,
  cfg: RawConfig,
  ctx: ResolveContext,
): Pick<StaticResolution, 'relation' | 'via' | 'detail' | 'unresolvedReason'> {
  const names: Partial<Record<NameKind, string>> = {};
  const used: string[] = [];
  for (const kind of ['database', 'schema', 'alias'] as NameKind[]) {
    const o = ctx.overrides.get(kind);
    if (!o) {
      names[kind] = defaultName(kind, custom[kind], d, ctx.target);
      continue;
    }
    if (o.handledAs === 'unrecognised') {
      return {
        via: 'static-override',
        detail: `static-override: ${o.effective.name} in ${o.effective.file} (unrecognised)`,
        unresolvedReason: `the project overrides ${o.effective.name} in ${o.effective.file} in a way Backflow cannot evaluate (${o.why ?? 'unknown'}): ${MANIFEST_HINT}`,
      };
    }
    used.push(`${o.effective.name} in ${o.effective.file} (${o.handledAs})`);
    try {
      names[kind] = ctx.runOverride(o, custom[kind], d);
    } catch (err) {
      if (!(err instanceof NotStaticError)) throw err;
      return {
        via: 'static-override',
        detail: `static-override: ${used.join('; ')}`,
        unresolvedReason: `${o.effective.name} in ${o.effective.file} cannot be evaluated for this model (${err.message}): ${MANIFEST_HINT}`,
      };
    }
  }
  const customs = (['database', 'schema', 'alias'] as NameKind[])
    .filter((k) => custom[k] !== null && cfg[k])
    .map((k) => originText(k, custom[k]!, cfg));
  const parts = [...used, ...customs];
  const via = used.length > 0 ? 'static-override' : 'static';
  const detail = `${via}: ${parts.length > 0 ? parts.join('; ') : `dbt defaults (target schema '${ctx.target.schema}')`}`;
  if (!names.schema || !names.alias) {
    return { via, detail, unresolvedReason: 'the naming macros returned an empty schema or name' };
  }
  const relation: DbtRelation = {
    ...(names.database ? { database: names.database } : {}),
    schema: names.schema,
    name: names.alias,
  };
  return { via, detail, relation };
}
