/**
 * A dbt `manifest.json` (from the repository's manifest_path, or the latest successful dbt Cloud run): what
 * dbt actually built, which beats static resolution for relation names. Schema versions v9 to v12 (dbt 1.5
 * to 1.10) are read: models' database, schema and alias, materialization, columns, versions, and the tests
 * and constraints that give primary-key candidates.
 */
import type { DbtColumn, DbtRelation, ModelVersion, PrimaryKeyCandidate } from './catalog';
import { DbtLoadError } from './errors';
import { primaryKeyCandidates } from './primary-keys';
import type { ColumnSpec, ConstraintSpec, TestSpec } from './properties';

export const MANIFEST_SCHEMA_VERSIONS = [9, 10, 11, 12];

export interface ManifestModel {
  uniqueId: string;
  name: string;
  packageName: string;
  /** Relative to the project folder, as dbt records it. */
  originalFilePath: string;
  language: 'sql' | 'python';
  version?: ModelVersion;
  latestVersion?: ModelVersion;
  enabled: boolean;
  materialized: string;
  relation?: DbtRelation;
  description: string;
  columns: DbtColumn[];
  primaryKeyCandidates: PrimaryKeyCandidate[];
}

export interface Manifest {
  provenance: string;
  schemaVersion: number;
  projectName?: string;
  models: Map<string, ManifestModel>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function parseJson(text: string, provenance: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new DbtLoadError(`the manifest is not valid JSON: ${(err as Error).message}`, {
      file: provenance,
      line,
      hint: 'Point manifest_path at the manifest.json that `dbt parse`, `dbt compile` or `dbt run` writes to target/.',
    });
  }
}

function testSpecOf(node: Obj): { model?: string; column?: string; spec: TestSpec } | undefined {
  const meta = obj(node.test_metadata);
  const name = str(meta?.name);
  if (!meta || !name) return undefined;
  const namespace = str(meta.namespace);
  const kwargs = obj(meta.kwargs) ?? {};
  const config = obj(node.config) ?? {};
  const where = config.where;
  const spec: TestSpec = {
    name: namespace ? `${namespace}.${name}` : name,
    conditional: (where !== undefined && where !== null && where !== '') || config.enabled === false,
  };
  const combination = kwargs.combination_of_columns;
  if (Array.isArray(combination)) spec.combination = combination.map(String);
  const deps = obj(node.depends_on)?.nodes;
  const model =
    str(node.attached_node) ??
    (Array.isArray(deps) ? deps.map(String).find((d) => d.startsWith('model.')) : undefined);
  return { model, column: str(node.column_name) ?? str(kwargs.column_name), spec };
}

function modelOf(
  id: string,
  node: Obj,
  enabled: boolean,
  tests: Map<string, { column?: string; spec: TestSpec }[]>,
) {
  const config = obj(node.config) ?? {};
  const materialized = str(config.materialized) ?? 'view';
  const schema = str(node.schema);
  const alias = str(node.alias) ?? str(node.name);
  const relation: DbtRelation | undefined =
    enabled && materialized !== 'ephemeral' && schema && alias
      ? { ...(str(node.database) ? { database: str(node.database) } : {}), schema, name: alias }
      : undefined;
  const own = tests.get(id) ?? [];
  const columnSpecs: ColumnSpec[] = Object.values(obj(node.columns) ?? {}).flatMap((c) => {
    const col = obj(c);
    const name = str(col?.name);
    if (!col || !name) return [];
    const constraints = Array.isArray(col.constraints) ? col.constraints.map(obj) : [];
    return [
      {
        name,
        description: str(col.description) ?? '',
        ...(str(col.data_type) ? { dataType: str(col.data_type) } : {}),
        tests: own.filter((t) => t.column === name).map((t) => t.spec),
        primaryKey: constraints.some((k) => k?.type === 'primary_key'),
      },
    ];
  });
  const constraints: ConstraintSpec[] = (Array.isArray(node.constraints) ? node.constraints : []).flatMap(
    (c) => {
      const k = obj(c);
      return k && typeof k.type === 'string'
        ? [{ type: k.type, columns: Array.isArray(k.columns) ? k.columns.map(String) : [] }]
        : [];
    },
  );
  const version = node.version;
  const latest = node.latest_version;
  const model: ManifestModel = {
    uniqueId: id,
    name: str(node.name) ?? id,
    packageName: str(node.package_name) ?? '',
    originalFilePath: str(node.original_file_path) ?? '',
    language: node.language === 'python' ? 'python' : 'sql',
    ...(typeof version === 'string' || typeof version === 'number' ? { version } : {}),
    ...(typeof latest === 'string' || typeof latest === 'number' ? { latestVersion: latest } : {}),
    enabled,
    materialized,
    ...(relation ? { relation } : {}),
    description: str(node.description) ?? '',
    columns: columnSpecs.map((c) => ({
      name: c.name,
      description: c.description,
      ...(c.dataType ? { dataType: c.dataType } : {}),
      tests: c.tests.map((t) => t.name),
    })),
    primaryKeyCandidates: primaryKeyCandidates({
      columns: columnSpecs,
      modelTests: own.filter((t) => t.column === undefined).map((t) => t.spec),
      constraints,
    }),
  };
  return model;
}

export function readManifest(input: { json: unknown; provenance: string }): Manifest {
  const { provenance } = input;
  const value = typeof input.json === 'string' ? parseJson(input.json, provenance) : input.json;
  const root = obj(value);
  const metadata = obj(root?.metadata);
  const schemaUrl = str(metadata?.dbt_schema_version);
  const fail = (message: string): never => {
    throw new DbtLoadError(message, {
      file: provenance,
      hint:
        `Backflow reads manifests of schema v${MANIFEST_SCHEMA_VERSIONS[0]} to ` +
        `v${MANIFEST_SCHEMA_VERSIONS[MANIFEST_SCHEMA_VERSIONS.length - 1]} (dbt 1.5 to 1.10): regenerate it with a ` +
        'supported dbt version (`dbt parse` writes target/manifest.json).',
    });
  };
  if (!root || !metadata || !schemaUrl)
    return fail('this is not a dbt manifest: metadata.dbt_schema_version is missing');
  const m = /\/manifest\/v(\d+)\.json$/.exec(schemaUrl);
  if (!m)
    return fail(`this is not a dbt manifest: metadata.dbt_schema_version is ${JSON.stringify(schemaUrl)}`);
  const schemaVersion = Number(m[1]);
  if (!MANIFEST_SCHEMA_VERSIONS.includes(schemaVersion)) {
    return fail(
      `manifest schema v${schemaVersion} is not supported (supported: v${MANIFEST_SCHEMA_VERSIONS.join(', v')})`,
    );
  }
  const nodes = obj(root.nodes);
  if (!nodes) return fail('the manifest has no nodes');

  const tests = new Map<string, { column?: string; spec: TestSpec }[]>();
  for (const n of Object.values(nodes)) {
    const node = obj(n);
    if (node?.resource_type !== 'test') continue;
    const t = testSpecOf(node);
    if (!t?.model) continue;
    const list = tests.get(t.model) ?? [];
    list.push({ column: t.column, spec: t.spec });
    tests.set(t.model, list);
  }
  const models = new Map<string, ManifestModel>();
  for (const [id, n] of Object.entries(nodes)) {
    const node = obj(n);
    if (node?.resource_type === 'model') models.set(id, modelOf(id, node, true, tests));
  }
  for (const [id, list] of Object.entries(obj(root.disabled) ?? {})) {
    const node = Array.isArray(list) ? obj(list[0]) : undefined;
    if (node?.resource_type === 'model' && !models.has(id)) models.set(id, modelOf(id, node, false, tests));
  }
  return { provenance, schemaVersion, projectName: str(metadata.project_name), models };
}
