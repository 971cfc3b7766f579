/** The dbt Cloud adapter's public surface: the engine, the CLI and the dbt loader import from here. */
export { DbtCloudClient, describeJobs, type DbtCloudClientOptions } from './dbtcloud-client';
export { DbtCloudError, type DbtCloudErrorKind } from './dbtcloud-errors';
export { accessUrlProblem, hostOf, isLoopbackHost, DEFAULT_ACCESS_URL } from './dbtcloud-host';
export { retryAfterMs, DEFAULT_TIMINGS, type HttpTimings } from './dbtcloud-http';
export { parseManifest, MIN_MANIFEST_VERSION, MAX_MANIFEST_VERSION } from './dbtcloud-manifest';
export {
  manifestFromDbtCloud,
  isoSeconds,
  type DbtCloudManifest,
  type ManifestClient,
} from './manifest-source';
export * from './dbtcloud-types';
