/**
 * loadDbtProject: files → catalog. Discover the project (layout.ts), summarise its files with the cache
 * (file-store.ts), find and classify naming-macro overrides (overrides.ts), build model drafts
 * (drafts.ts), resolve each statically (resolve.ts), let a manifest name the relations it knows
 * (manifest.ts), then check relations are unique and digest the result.
 */
import { createHash } from 'node:crypto';
import type { CatalogWarning, DbtCatalog, DbtColumn, DbtModel } from './catalog';
import { buildDrafts, compareVersions, type Draft } from './drafts';
import { DbtLoadError, NotStaticError } from './errors';
import { FileStore, type SummaryTask } from './file-store';
import { ModelCache } from './model-cache';
import { discover, joinPath, type Layout } from './layout';
import { extractMacros, type MacroDef } from './macros';
import { readManifest, type Manifest, type ManifestModel } from './manifest';
import { summarisePythonModel, summariseSqlModel, type ModelFileSummary } from './model-file';
import { checkDbtVersion, type LoadOptions, type LoadResult } from './options';
import { classify, findOverrides, overrideList, type KindOverride, type NameKind } from './overrides';
import { primaryKeyCandidates } from './primary-keys';
import type { ProjectFiles } from './project-files';
import type { ProjectSpec } from './project-yml';
import { parseProperties, type ColumnSpec, type PropertiesSummary } from './properties';
import {
  OverrideRunner,
  resolveDraft,
  MANIFEST_HINT,
  type ResolveContext,
  type StaticResolution,
} from './resolve';
import { asMap } from './yaml/yaml-file';
import { withPackages } from './package-mounts';

export async function loadDbtProject(files: ProjectFiles, opts: LoadOptions): Promise<LoadResult> {
  const dbtVersion = checkDbtVersion(opts.dbtVersion);
  if (typeof opts.defaultSchema !== 'string' || opts.defaultSchema.trim() === '') {
    throw new DbtLoadError('the git sync has no default_schema (the dbt target schema)', {
      hint: "Set default_schema to the schema of the dbt target whose relations Backflow reads (the profile's schema).",
    });
  }
  const manifest = opts.manifest ? readManifest(opts.manifest) : undefined;
  // What the load reads of the repository: the project's folder (its models, macros, dbt_packages/) and
  // the folders of its local packages. A folder listing walks only these.
  const scope = [
    opts.projectPath ?? '.',
    ...(opts.packages ?? []).filter((m) => m.files === files).map((m) => m.root || '.'),
  ];
  const mounted = opts.packages?.length
    ? await withPackages(files, opts.projectPath ?? '.', opts.packages, scope)
    : undefined;
  const base = files;
  if (mounted) files = mounted.files;
  const store = new FileStore(files, opts.previous);
  const layout = await discover(store, await files.list(scope), opts.projectPath ?? '.', () => base.list());
  const warnings: CatalogWarning[] = [...(mounted?.warnings ?? []), ...layout.warnings];

  const {
    models: modelSummaries,
    properties,
    macroDefs,
    packageMacros,
    failed,
  } = await summariseAll(store, layout);
  const blockers = fileBlockers(failed, modelSummaries, warnings);
  const macros = macroMap(macroDefs);
  const packages = packageMacroMaps(packageMacros, warnings);
  const overrides = findOverrides(macros, macroDefs, opts.adapterType).map((o) => classify(o, macros));
  for (const o of overrides) {
    if (o.handledAs !== 'unrecognised') continue;
    warnings.push({
      file: o.effective.file,
      line: o.effective.line,
      message: `${o.effective.name} is overridden in a way Backflow cannot evaluate (${o.why}): relations come from a manifest only`,
    });
  }
  if (dbtVersion === '1.7') {
    for (const [file, p] of properties) {
      if (p.usesDataTests) {
        warnings.push({
          file,
          message: 'data_tests is a dbt 1.8 key: dbt 1.7 reads only tests (read here as tests)',
        });
      }
    }
  }

  const drafts = buildDrafts(layout.units, modelSummaries, properties, warnings);
  const target = {
    schema: opts.defaultSchema,
    ...(opts.targetDatabase ? { database: opts.targetDatabase } : {}),
    ...(opts.targetName ? { name: opts.targetName } : {}),
    ...(opts.adapterType ? { type: opts.adapterType } : {}),
  };
  // Resolved models are reused when nothing they depend on changed (never with a manifest).
  const globalKey = JSON.stringify([
    'models/2',
    target,
    dbtVersion,
    opts.vars ?? {},
    store.idOf(layout.root.spec.file),
    // a new package changes which `vars:` keys are package-scoped, for every model
    [...layout.projectNames].sort(),
    [layout.root, ...layout.packages].map((u) => u.macroFiles.map((p) => [p, store.idOf(p)])),
  ]);
  const modelCache = new ModelCache(
    (opts.previous as { models?: unknown } | undefined)?.models,
    manifest ? undefined : globalKey,
    opts.env ?? {},
  );
  const env = modelCache.env;
  const varsFor = varsLookup(layout, opts.vars ?? {});
  const runner = new OverrideRunner(macros, packages, target, env, varsFor, {
    rootProject: layout.root.spec.name,
    order: new Map(Object.entries(layout.root.spec.dispatch)),
  });
  const ctx: ResolveContext = {
    root: layout.root.spec,
    target,
    env,
    varsFor,
    overrides: new Map<NameKind, KindOverride>(overrides.map((o) => [o.kind, o])),
    runOverride: (o, custom, d) => runner.run(o, custom, d),
    macrosFor: (d) => runner.environment(d),
  };

  const problems: NotStaticError[] = [];
  const models: DbtModel[] = [];
  const staticIds = new Set<string>();
  const hashes = new Map<DbtModel, string>();
  for (const d of drafts) {
    const uniqueId = `model.${d.pkg}.${d.name}${d.version !== undefined ? `.v${d.version}` : ''}`;
    staticIds.add(uniqueId);
    const entryId = `${d.file}#${d.version ?? ''}`;
    const key = modelKey(d, store);
    const hit = modelCache.get(entryId, key);
    if (hit) {
      models.push(hit.model);
      hashes.set(hit.model, hit.hash);
      if (hit.warnings) warnings.push(...hit.warnings);
      continue;
    }
    const modelWarnings: CatalogWarning[] = [];
    const m = manifest?.models.get(uniqueId);
    const blocker = blockers.byFile.get(d.file) ?? blockers.byModel.get(d.name) ?? blockers.all;
    const r = blocker ? blockedResolution(blocker) : resolveDraft(d, ctx);
    if (r.problem) problems.push(r.problem);
    const model = m ? withManifest(d, uniqueId, r, m, manifest!) : staticModel(d, uniqueId, r, manifest);
    if (!m && manifest && model.relation) {
      modelWarnings.push({
        file: d.file,
        message: `model ${d.name} is not in the manifest (${manifest.provenance}): resolved statically`,
      });
    }
    if (model.language === 'python' && model.enabled && model.materialized === 'view') {
      modelWarnings.push({
        file: d.file,
        message: `dbt cannot build Python model ${d.name} as a view: set materialized to table or incremental`,
      });
    }
    const hash = modelHash(model);
    hashes.set(model, hash);
    if (!r.problem) {
      modelCache.set(entryId, {
        key,
        model,
        hash,
        ...(modelWarnings.length > 0 ? { warnings: modelWarnings } : {}),
      });
    }
    models.push(model);
    warnings.push(...modelWarnings);
  }
  if (problems.length > 0) {
    const first = problems[0];
    warnings.push({
      ...(first.file !== undefined ? { file: first.file } : {}),
      ...(first.line !== undefined ? { line: first.line } : {}),
      message:
        `${problems.length} model${problems.length === 1 ? '' : 's'} could not be resolved statically` +
        `${manifest ? ' nor from the manifest' : ''}; the first: ${first.message}. ` +
        '`backflow models list` gives every model its reason; a plan fails only for the models it uses.',
    });
  }
  if (manifest) addManifestOnly(models, staticIds, manifest, layout, warnings);

  dropDuplicateRelations(models, hashes, warnings);
  models.sort(compareModels);
  const catalog: DbtCatalog = {
    projectName: layout.root.spec.name,
    digest: '',
    models,
    overrides: overrideList(overrides),
    warnings,
  };
  catalog.digest = digest(catalog, hashes);
  return {
    catalog,
    cache: { ...store.cache(), models: modelCache.shape() },
    stats: { filesRead: store.filesRead, filesReused: store.filesReused },
  };
}

/**
 * A file the loader could not read (invalid YAML, broken Jinja, a properties entry dbt would reject): kept
 * as a summary like any other (so incremental loads reuse it), with the names it seems to define, so the
 * models it concerns are left unresolved with its reason and every other model still loads.
 */
export interface FailedFile {
  failed: { reason: string; file: string; line?: number; hint?: string };
  /** Model names a properties file lists, or macro names a macro file defines (found by a plain scan). */
  names: string[];
}

export function isFailed(x: unknown): x is FailedFile {
  return typeof x === 'object' && x !== null && 'failed' in x;
}

const PROBLEM_NAMES = new Set(['DbtLoadError', 'NotStaticError', 'ExprSyntaxError', 'TemplateSyntaxError']);

function guarded<T>(path: string, names: (text: string) => string[], fn: (text: string) => T) {
  return (text: string): T | FailedFile => {
    try {
      return fn(text);
    } catch (err) {
      if (!(err instanceof Error) || !PROBLEM_NAMES.has(err.name)) throw err;
      const e = err as Error & { reason?: string; file?: string; line?: number; hint?: string };
      return {
        failed: {
          reason: e.reason ?? e.message,
          file: e.file ?? path,
          ...(e.line !== undefined ? { line: e.line } : {}),
          ...(e.hint !== undefined ? { hint: e.hint } : {}),
        },
        names: names(text),
      };
    }
  };
}

const noNames = () => [];
/** The `- name:` entries at the shallowest indentation: a properties file's models, not their columns. */
const listedModels = (text: string) => {
  const found = [...text.matchAll(/^([ \t]*)-[ \t]*name:[ \t]*['"]?([A-Za-z0-9_]+)/gm)];
  const top = Math.min(...found.map((m) => m[1].length));
  return [...new Set(found.filter((m) => m[1].length === top).map((m) => m[2]))];
};
const definedMacros = (text: string) =>
  [...text.matchAll(/\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);

async function summariseAll(store: FileStore, layout: Layout) {
  const tasks: SummaryTask<unknown>[] = [];
  for (const u of layout.units) {
    for (const path of u.modelFiles) {
      tasks.push(
        path.endsWith('.py')
          ? { path, kind: 'python', summarise: guarded(path, noNames, (t) => summarisePythonModel(t, path)) }
          : { path, kind: 'sql', summarise: guarded(path, noNames, (t) => summariseSqlModel(t, path)) },
      );
    }
    for (const path of u.propertyFiles)
      tasks.push({
        path,
        kind: 'properties',
        summarise: guarded(path, listedModels, (t) => parseProperties(t, path)),
      });
  }
  for (const u of [layout.root, ...layout.packages]) {
    for (const path of u.macroFiles)
      tasks.push({
        path,
        kind: 'macros',
        summarise: guarded(path, definedMacros, (t) => extractMacros(t, path)),
      });
  }
  const all = await store.summarise(tasks);
  const failed = new Map<string, FailedFile>();
  const pick = <T>(paths: string[], empty: (p: string) => T) =>
    new Map(
      paths.map((p) => {
        const v = all.get(p);
        if (isFailed(v)) {
          failed.set(p, v);
          return [p, empty(p)];
        }
        return [p, v as T];
      }),
    );
  const models = pick<ModelFileSummary>(
    layout.units.flatMap((u) => u.modelFiles),
    (p) => ({ language: p.endsWith('.py') ? 'python' : 'sql', configs: [] }),
  );
  const properties = pick<PropertiesSummary>(
    layout.units.flatMap((u) => u.propertyFiles),
    () => ({ patches: [], usesDataTests: false }),
  );
  const macroFiles = pick<MacroDef[]>(
    [layout.root, ...layout.packages].flatMap((u) => u.macroFiles),
    () => [],
  );
  return {
    models,
    properties,
    macroDefs: layout.root.macroFiles.flatMap((p) => macroFiles.get(p)!),
    packageMacros: new Map(
      layout.packages.map((u) => [u.spec.name, u.macroFiles.flatMap((p) => macroFiles.get(p)!)]),
    ),
    failed,
  };
}

/** A package's macros by name: a name defined twice keeps the first, with a warning (dbt would refuse). */
function packageMacroMaps(
  byPackage: Map<string, MacroDef[]>,
  warnings: CatalogWarning[],
): Map<string, Map<string, MacroDef>> {
  const out = new Map<string, Map<string, MacroDef>>();
  for (const [pkg, defs] of byPackage) {
    const m = new Map<string, MacroDef>();
    for (const d of defs) {
      const prior = m.get(d.name);
      if (prior) {
        warnings.push({
          file: d.file,
          line: d.line,
          message: `package ${pkg} defines the macro ${d.name} twice (${prior.file} line ${prior.line} and here): the first is used`,
        });
      } else m.set(d.name, d);
    }
    out.set(pkg, m);
  }
  return out;
}

function macroMap(defs: MacroDef[]): Map<string, MacroDef> {
  const out = new Map<string, MacroDef>();
  for (const d of defs) {
    const prior = out.get(d.name);
    if (prior) {
      throw new DbtLoadError(
        `dbt found two macros named "${d.name}": ${prior.file} line ${prior.line} and ${d.file} line ${d.line}`,
        {
          file: d.file,
          line: d.line,
          hint: 'Remove or rename one of them: macro names must be unique within a project.',
        },
      );
    }
    out.set(d.name, d);
  }
  return out;
}

/** var() lookups per package, with dbt's precedence: --vars, root scoped, root global, the package's own. */
function varsLookup(layout: Layout, cli: Record<string, unknown>): ResolveContext['varsFor'] {
  const split = (vars: Record<string, unknown>) => {
    const global: Record<string, unknown> = {};
    const scoped: Record<string, Record<string, unknown>> = {};
    for (const [k, v] of Object.entries(vars)) {
      const m = asMap(v);
      if (layout.projectNames.has(k) && m) scoped[k] = m;
      else global[k] = v;
    }
    return { global, scoped };
  };
  const root = split(layout.root.spec.vars);
  const memo = new Map<
    string,
    { get: (n: string) => { value: unknown } | undefined; names: () => string[] }
  >();
  return (pkg: string, own: ProjectSpec) => {
    let r = memo.get(pkg);
    if (!r) {
      const layers: Record<string, unknown>[] = [];
      if (own.name !== layout.root.spec.name) {
        const o = split(own.vars);
        layers.push(o.global, o.scoped[own.name] ?? {});
      }
      layers.push(root.global, root.scoped[pkg] ?? {}, cli);
      const merged: Record<string, unknown> = Object.assign({}, ...layers);
      r = {
        get: (n) => (Object.prototype.hasOwnProperty.call(merged, n) ? { value: merged[n] } : undefined),
        names: () => Object.keys(merged).sort(),
      };
      memo.set(pkg, r);
    }
    return r;
  };
}

/** Description, columns and primary-key candidates, with versions' include/exclude applied. */
function documentation(d: Draft): Pick<DbtModel, 'description' | 'columns' | 'primaryKeyCandidates'> {
  const p = d.patch;
  if (!p) return { description: '', columns: [], primaryKeyCandidates: [] };
  const v = d.versionSpec;
  const cols = new Map<string, ColumnSpec>();
  for (const c of p.columns) {
    if (!v || ((v.include === 'all' || v.include.includes(c.name)) && !v.exclude.includes(c.name)))
      cols.set(c.name, c);
  }
  for (const c of v?.columns ?? []) cols.set(c.name, c);
  const columns = [...cols.values()];
  const constraints = v && v.constraints.length > 0 ? v.constraints : p.constraints;
  const modelTests = v?.tests ?? p.tests;
  return {
    description: v?.description || p.description,
    columns: columns.map((c): DbtColumn => ({
      name: c.name,
      description: c.description,
      ...(c.dataType !== undefined ? { dataType: c.dataType } : {}),
      tests: c.tests.map((t) => t.name),
    })),
    primaryKeyCandidates: primaryKeyCandidates({ columns, modelTests, constraints }),
  };
}

interface ModelFields {
  enabled: boolean;
  materialized: string;
  relation?: DbtModel['relation'];
  resolution: DbtModel['resolution'];
  unresolvedReason?: string;
}

type ModelIdentity = Pick<DbtModel, 'name' | 'version' | 'latestVersion' | 'uniqueId' | 'file' | 'language'>;

/** A model with its fields always in the same order (one object shape, and stable JSON). */
function makeModel(
  id: ModelIdentity,
  f: ModelFields,
  doc: Pick<DbtModel, 'description' | 'columns' | 'primaryKeyCandidates'>,
): DbtModel {
  const m = { name: id.name } as DbtModel;
  if (id.version !== undefined) {
    m.version = id.version;
    if (id.latestVersion !== undefined) m.latestVersion = id.latestVersion;
  }
  m.uniqueId = id.uniqueId;
  m.file = id.file;
  m.language = id.language;
  m.enabled = f.enabled;
  m.materialized = f.materialized;
  if (f.relation) m.relation = f.relation;
  m.resolution = f.resolution;
  m.description = doc.description;
  m.columns = doc.columns;
  m.primaryKeyCandidates = doc.primaryKeyCandidates;
  if (f.unresolvedReason !== undefined) m.unresolvedReason = f.unresolvedReason;
  return m;
}

function identity(d: Draft, uniqueId: string): ModelIdentity {
  return {
    name: d.name,
    version: d.version,
    latestVersion: d.latestVersion,
    uniqueId,
    file: d.file,
    language: d.language,
  };
}

function staticModel(
  d: Draft,
  uniqueId: string,
  r: StaticResolution,
  manifest: Manifest | undefined,
): DbtModel {
  let reason = r.unresolvedReason;
  if (r.problem && manifest) {
    reason = `${reason}; the model is not in the manifest (${manifest.provenance}): ${MANIFEST_HINT} that includes it, or make the value a literal`;
  }
  return makeModel(
    identity(d, uniqueId),
    {
      enabled: r.enabled ?? true,
      materialized: r.materialized ?? 'unknown',
      relation: r.relation,
      resolution: { via: r.via, detail: r.detail },
      unresolvedReason: r.relation ? undefined : reason,
    },
    documentation(d),
  );
}

/**
 * The manifest names the relation; the commit decides whether the model is built at all (a manifest from
 * dbt Cloud may be older than the commit, and a model disabled or made ephemeral since must show as such).
 */
function withManifest(
  d: Draft,
  uniqueId: string,
  r: StaticResolution,
  m: ManifestModel,
  manifest: Manifest,
): DbtModel {
  const enabled = r.enabled ?? m.enabled;
  const materialized = r.materialized ?? m.materialized;
  let unresolvedReason: string | undefined;
  if (!enabled) unresolvedReason = 'disabled';
  else if (materialized === 'ephemeral') unresolvedReason = 'ephemeral';
  else if (!m.relation) {
    unresolvedReason = `the manifest (${manifest.provenance}) has no relation for it (${m.enabled ? m.materialized : 'disabled'} there): it is older than this commit; run the dbt job again`;
  }
  return makeModel(
    identity(d, uniqueId),
    {
      enabled,
      materialized,
      relation: unresolvedReason === undefined ? m.relation : undefined,
      resolution: { via: 'manifest', detail: `manifest (${manifest.provenance})` },
      unresolvedReason,
    },
    documentation(d),
  );
}

/**
 * Models only the manifest knows: those of packages whose files are not in the repository (dbt_packages
 * is usually not committed). Root-project models missing from the commit were removed since the manifest
 * was made, and are left out.
 */
function addManifestOnly(
  models: DbtModel[],
  staticIds: Set<string>,
  manifest: Manifest,
  layout: Layout,
  warnings: CatalogWarning[],
) {
  const root = layout.root;
  const loadedPackages = new Set(layout.units.map((u) => u.spec.name));
  for (const m of manifest.models.values()) {
    if (staticIds.has(m.uniqueId)) continue;
    if (m.packageName === root.spec.name || loadedPackages.has(m.packageName)) {
      warnings.push({
        file: joinPath(root.dir, m.originalFilePath),
        message: `model ${m.name} is in the manifest (${manifest.provenance}) but not in the repository at this commit: left out`,
      });
      continue;
    }
    const file = joinPath(
      joinPath(root.dir, root.spec.packagesInstallPath),
      `${m.packageName}/${m.originalFilePath}`,
    );
    models.push(
      makeModel(
        { ...m, file },
        {
          enabled: m.enabled,
          materialized: m.materialized,
          relation: m.relation,
          resolution: { via: 'manifest', detail: `manifest (${manifest.provenance})` },
          unresolvedReason: m.relation
            ? undefined
            : !m.enabled
              ? 'disabled'
              : m.materialized === 'ephemeral'
                ? 'ephemeral'
                : 'the manifest has no relation for it',
        },
        m,
      ),
    );
  }
}

interface Blockers {
  byFile: Map<string, FailedFile>;
  byModel: Map<string, FailedFile>;
  /** A macro file that defines a naming macro could not be read: no relation can be trusted. */
  all?: FailedFile;
}

function placeOf(f: FailedFile['failed']): string {
  return f.line === undefined ? f.file : `${f.file} line ${f.line}`;
}

/** Which models each unreadable file leaves unresolved; one warning per file. */
function fileBlockers(
  failed: Map<string, FailedFile>,
  models: Map<string, ModelFileSummary>,
  warnings: CatalogWarning[],
): Blockers {
  const out: Blockers = { byFile: new Map(), byModel: new Map() };
  for (const [path, f] of failed) {
    const at = { file: f.failed.file, ...(f.failed.line !== undefined ? { line: f.failed.line } : {}) };
    if (models.has(path)) {
      out.byFile.set(path, f);
      warnings.push({ ...at, message: `${f.failed.reason}: the model of this file is left unresolved` });
    } else if (f.names.some((n) => /generate_(schema|alias|database)_name/.test(n))) {
      out.all ??= f;
      warnings.push({
        ...at,
        message: `${f.failed.reason}: this file defines ${f.names.join(', ')}, so no model's relation can be known`,
      });
    } else {
      for (const n of f.names) if (!out.byModel.has(n)) out.byModel.set(n, f);
      warnings.push({
        ...at,
        message:
          `${f.failed.reason}: the file is skipped` +
          (f.names.length > 0 ? `; the models it names are left unresolved (${f.names.join(', ')})` : ''),
      });
    }
  }
  return out;
}

function blockedResolution(f: FailedFile): StaticResolution {
  const reason = `${placeOf(f.failed)}: ${f.failed.reason}`;
  return {
    via: 'static',
    detail: 'static',
    unresolvedReason: `${reason}${f.failed.hint ? `. ${f.failed.hint}` : ''}`,
    problem: new NotStaticError(f.failed.reason, {
      file: f.failed.file,
      ...(f.failed.line !== undefined ? { line: f.failed.line } : {}),
      ...(f.failed.hint !== undefined ? { hint: f.failed.hint } : {}),
    }),
  };
}

function relationText(r: NonNullable<DbtModel['relation']>): string {
  return [r.database, r.schema, r.name].filter((x) => x !== undefined).join('.');
}

/**
 * dbt refuses to build two models into one relation: both are left unresolved (neither is guessed), with
 * a warning naming both files. Models are replaced by copies (the cached ones stay as they were).
 */
function dropDuplicateRelations(
  models: DbtModel[],
  hashes: Map<DbtModel, string>,
  warnings: CatalogWarning[],
): void {
  const seen = new Map<string, number>();
  const reasons = new Map<number, string>();
  models.forEach((m, i) => {
    if (!m.relation || !m.enabled) return;
    const key = `${m.relation.database ?? ''}\u0000${m.relation.schema}\u0000${m.relation.name}`;
    const j = seen.get(key);
    if (j === undefined) {
      seen.set(key, i);
      return;
    }
    const other = models[j];
    const message = `two dbt models resolve to the same relation ${relationText(m.relation)}: ${other.file} (${other.uniqueId}) and ${m.file} (${m.uniqueId}); give one of them another alias or schema, or disable one: dbt refuses to build both`;
    warnings.push({ file: m.file, message });
    if (!reasons.has(j)) reasons.set(j, message);
    reasons.set(i, message);
  });
  for (const [i, message] of reasons) {
    const copy = { ...models[i] };
    delete copy.relation;
    copy.unresolvedReason = message;
    models[i] = copy;
    hashes.set(copy, modelHash(copy));
  }
}

function compareModels(a: DbtModel, b: DbtModel): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.version !== b.version) {
    if (a.version === undefined) return -1;
    if (b.version === undefined) return 1;
    const c = compareVersions(a.version, b.version);
    if (c !== 0) return c;
  }
  return a.uniqueId < b.uniqueId ? -1 : a.uniqueId > b.uniqueId ? 1 : 0;
}

/** What a model's resolution depends on, besides the load-wide inputs of the cache's global key. */
function modelKey(d: Draft, store: FileStore): string {
  return [
    d.file,
    store.idOf(d.file),
    d.patch ? `${d.patch.file}@${store.idOf(d.patch.file)}` : '',
    d.unit.isRoot ? '' : store.idOf(d.unit.spec.file),
    d.name,
    d.version ?? '',
    d.latestVersion ?? '',
    d.fqn.join('/'),
  ].join('\u0000');
}

/** sha256 of a model's fields in a fixed order: what the catalog digest is made of. */
function modelHash(m: DbtModel): string {
  const r = m.relation;
  const record = JSON.stringify([
    m.uniqueId,
    m.name,
    m.version ?? null,
    m.latestVersion ?? null,
    m.file,
    m.language,
    m.enabled,
    m.materialized,
    r ? [r.database ?? null, r.schema, r.name] : null,
    m.resolution.via,
    m.unresolvedReason ?? null,
    m.description,
    m.columns.map((col) => [col.name, col.description, col.dataType ?? null, col.tests]),
    m.primaryKeyCandidates.map((k) => [k.columns, k.from]),
  ]);
  return createHash('sha256').update(record).digest('base64');
}

/**
 * Over what a user could see: models and overrides. Not warnings, nor the provenance details (a new dbt
 * Cloud run id alone does not change the catalog).
 */
function digest(c: DbtCatalog, hashes: Map<DbtModel, string>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([c.projectName, c.overrides.map((o) => [o.macro, o.file, o.handledAs])]));
  for (const m of c.models) h.update(`\n${hashes.get(m) ?? modelHash(m)}`);
  return h.digest('hex');
}
