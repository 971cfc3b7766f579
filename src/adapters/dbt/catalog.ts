/**
 * The catalog the loader produces: every model of a dbt project with its relation, columns and
 * primary-key candidates. Plain data: the engine stores its digest and shows its fields in plans.
 */
import { didYouMean } from '../../config/did-you-mean';

export type ModelVersion = string | number;

export interface DbtRelation {
  database?: string;
  schema: string;
  name: string;
}

export interface DbtColumn {
  name: string;
  description: string;
  dataType?: string;
  /** Test names as written: `unique`, `not_null`, `accepted_values`, `dbt_utils.expression_is_true`... */
  tests: string[];
}

export interface PrimaryKeyCandidate {
  columns: string[];
  from:
    | 'constraint'
    | 'tests'
    | 'dbt_constraints.primary_key'
    | 'dbt_utils.unique_combination_of_columns'
    | 'dbt_expectations.expect_compound_columns_to_be_unique';
}

export type Resolution = {
  via: 'manifest' | 'static' | 'static-override';
  /** For display: where the relation came from, e.g. "static: +schema 'marts' from dbt_project.yml models.jaffle.marts". */
  detail: string;
};

export interface DbtModel {
  name: string;
  version?: ModelVersion;
  latestVersion?: ModelVersion;
  /** `model.<package>.<name>[.v<version>]`, as dbt names it. */
  uniqueId: string;
  /** Repository-relative path of the model's .sql or .py file. */
  file: string;
  language: 'sql' | 'python';
  enabled: boolean;
  materialized: string;
  /** Absent for ephemeral and disabled models, and when resolution is impossible (see unresolvedReason). */
  relation?: DbtRelation;
  resolution: Resolution;
  description: string;
  columns: DbtColumn[];
  primaryKeyCandidates: PrimaryKeyCandidate[];
  /** Why `relation` is absent. */
  unresolvedReason?: string;
}

export type OverrideHandling =
  | 'custom_schema_only'
  | 'generate_schema_name_for_env'
  /** The macro behaves exactly like dbt's default (a copy of it). */
  | 'default'
  /** None of the above: run as written for each model, with dbt's context. */
  | 'evaluated'
  /** Cannot be run at all (no body Backflow can parse): models resolve from a manifest only. */
  | 'unrecognised';

export interface MacroOverride {
  macro: string;
  file: string;
  handledAs: OverrideHandling;
}

export interface CatalogWarning {
  file?: string;
  line?: number;
  message: string;
}

export interface DbtCatalog {
  projectName: string;
  /** sha256 over what a user could see of the catalog (models and overrides; not warnings nor provenance details). */
  digest: string;
  /** Sorted by name, then version, then unique id. */
  models: DbtModel[];
  /** Macros the root project overrides among generate_schema_name / generate_alias_name / generate_database_name. */
  overrides: MacroOverride[];
  warnings: CatalogWarning[];
}

function sameVersion(a: ModelVersion | undefined, b: ModelVersion | undefined): boolean {
  return a !== undefined && b !== undefined && String(a) === String(b);
}

/**
 * The model called `name` (`version` for one version of a versioned model; without it, the latest
 * version). When packages define the same name, the root project's model wins.
 */
export function findModel(catalog: DbtCatalog, name: string, version?: ModelVersion): DbtModel | undefined {
  const named = catalog.models.filter((m) => m.name === name);
  if (named.length === 0) return undefined;
  const own = `model.${catalog.projectName}.`;
  named.sort((a, b) => Number(!a.uniqueId.startsWith(own)) - Number(!b.uniqueId.startsWith(own)));
  if (version !== undefined) return named.find((m) => sameVersion(m.version, version));
  return named.find((m) => m.version === undefined || sameVersion(m.version, m.latestVersion));
}

/** The closest model name to a misspelt one, for "did you mean". */
export function suggestModel(catalog: DbtCatalog, name: string): string | undefined {
  return didYouMean(name, new Set(catalog.models.map((m) => m.name)));
}
