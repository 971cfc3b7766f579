/**
 * The dbt loader: reads a dbt Core project (1.7 to 1.10) from a Git tree or a folder and returns its
 * model catalog. See README.md for the rules implemented.
 */
export { loadDbtProject } from './loader';
export { folderFiles, type ProjectFiles } from './project-files';
export {
  checkDbtVersion,
  SUPPORTED_DBT_VERSIONS,
  type LoadOptions,
  type LoadResult,
  type LoaderCache,
} from './options';
export {
  findModel,
  suggestModel,
  type CatalogWarning,
  type DbtCatalog,
  type DbtColumn,
  type DbtModel,
  type DbtRelation,
  type MacroOverride,
  type ModelVersion,
  type OverrideHandling,
  type PrimaryKeyCandidate,
  type Resolution,
} from './catalog';
export { DbtLoadError } from './errors';
export { MANIFEST_SCHEMA_VERSIONS } from './manifest';
export {
  normaliseGitUrl,
  readPackageRequests,
  type PackageRequest,
  type PackageRequests,
} from './package-requests';
export { withPackages, type PackageMount } from './package-mounts';
export { hubRepository, HUB_REPOSITORIES } from './hub-packages';
