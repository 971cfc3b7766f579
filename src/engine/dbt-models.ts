/**
 * Resolving a model's `dbt_model` reference against its Git sync's catalog: which relation it reads, how
 * that was decided (manifest, static resolution), and which primary key applies when config omits it.
 * Pure.
 */
// The catalog helpers alone: the loader behind '../adapters/dbt' (YAML parsers) is only for a refresh.
import { findModel, suggestModel, type DbtCatalog, type DbtModel } from '../adapters/dbt/catalog';
import type { RelationRef } from '../adapters/warehouse/warehouse';

export interface DbtModelRef {
  git_sync: string;
  name: string;
  version?: string | number;
}

export type DbtResolution =
  | {
      ok: true;
      relation: RelationRef;
      /** Provenance for the plan: `manifest (dbt Cloud job 42 run 1234 …)` or `static: …`. */
      resolution: string;
      /** The primary key config gives, or the single candidate the project declares. */
      primaryKey?: string;
      /** Where the primary key came from, for the plan. */
      primaryKeyFrom: string;
      /** Columns the project declares for the model (empty when it declares none). */
      declaredColumns: string[];
      model: DbtModel;
    }
  | {
      ok: false;
      summary: string;
      detail: string;
      kind: 'missing' | 'disabled' | 'ephemeral' | 'unresolved' | 'primary_key';
    };

export function dbtModelRef(attributes: Record<string, unknown>): DbtModelRef | undefined {
  const r = attributes.dbt_model;
  return typeof r === 'object' && r !== null ? (r as DbtModelRef) : undefined;
}

export function resolveDbtModel(
  ref: DbtModelRef,
  configuredKey: unknown,
  catalog: DbtCatalog,
): DbtResolution {
  const label = ref.version === undefined ? `"${ref.name}"` : `"${ref.name}" version ${ref.version}`;
  const model = findModel(catalog, ref.name, ref.version);
  if (!model) {
    const guess = suggestModel(catalog, ref.name);
    return {
      ok: false,
      kind: 'missing',
      summary: `dbt model ${label} does not exist in git_sync.${ref.git_sync}${guess ? `; did you mean "${guess}"?` : ''}`,
      detail: `The project "${catalog.projectName}" has ${catalog.models.length} models. \`backflow models list ${ref.git_sync}\` lists them.`,
    };
  }
  if (!model.enabled) {
    return {
      ok: false,
      kind: 'disabled',
      summary: `dbt model ${label} is disabled in the project`,
      detail: `It is disabled in ${model.file} or its configs (enabled: false), so dbt builds no relation for it.`,
    };
  }
  if (model.materialized === 'ephemeral') {
    return {
      ok: false,
      kind: 'ephemeral',
      summary: `dbt model ${label} is ephemeral`,
      detail: `Ephemeral models are inlined into other models and have no relation in the warehouse to read. Materialize it as a view or table, or use a model that selects from it.`,
    };
  }
  if (!model.relation) {
    return {
      ok: false,
      kind: 'unresolved',
      summary: `the relation of dbt model ${label} cannot be resolved`,
      detail:
        model.unresolvedReason ??
        'Provide a manifest: manifest_path in the Git sync, or manifest: { dbt_cloud, job_id }.',
    };
  }
  const declaredColumns = model.columns.map((c) => c.name);
  let primaryKey: string | undefined;
  let primaryKeyFrom: string;
  if (typeof configuredKey === 'string') {
    primaryKey = configuredKey;
    primaryKeyFrom = 'configuration';
  } else {
    const single = model.primaryKeyCandidates.filter((c) => c.columns.length === 1);
    if (single.length !== 1 || model.primaryKeyCandidates.length !== 1) {
      const listed = model.primaryKeyCandidates.map((c) => `${c.columns.join(' + ')} (${c.from})`);
      return {
        ok: false,
        kind: 'primary_key',
        summary: `dbt model ${label} has ${listed.length === 0 ? 'no' : listed.length} primary-key candidate${listed.length === 1 ? '' : 's'}: set "primary_key"`,
        detail:
          listed.length === 0
            ? 'Declare one in the project (a primary_key constraint, or unique + not_null tests on a column), or set "primary_key" on the model.'
            : `Candidates: ${listed.join(', ')}. Set "primary_key" on the model to choose (a single column).`,
      };
    }
    primaryKey = single[0].columns[0];
    primaryKeyFrom = `the project (${single[0].from})`;
  }
  return {
    ok: true,
    relation: {
      ...(model.relation.database ? { database: model.relation.database } : {}),
      schema: model.relation.schema,
      name: model.relation.name,
    },
    resolution: `${model.resolution.via}: ${model.resolution.detail}`,
    primaryKey,
    primaryKeyFrom,
    declaredColumns,
    model,
  };
}
