/**
 * The desired-state graph: what both front ends (JSON, cdktf) normalise config into, and what the engine
 * plans from. Attributes use the config's snake_case names; secrets are SensitiveValue markers.
 */
import type { Diagnostic } from '../diagnostics';
import type { ResourceType } from '../graph/address';
import type { SecretValues } from './secrets';

export interface Lifecycle {
  /** Refuse any plan that would destroy (or replace) this resource. */
  prevent_destroy: boolean;
  /** What to do when a model attached to active syncs changes what it produces. */
  on_attached_change: 'fail' | 'pause';
}

export interface Origin {
  /** Config file the resource was declared in. */
  file: string;
  /** JSON path of the resource object in that file, e.g. `$.models.active_users`. */
  path: string;
  /** 1-based position of the resource's name in the file, when known (JSON config). */
  line?: number;
  column?: number;
  /** cdktf construct path (`production/etl/users`), for a resource synthesized by a cdktf app. */
  construct?: string;
}

export interface DesiredResource {
  address: string;
  type: ResourceType;
  name: string;
  /** Normalised attributes, defaults filled in, secrets as SensitiveValue markers (fingerprints empty). */
  attributes: Record<string, unknown>;
  lifecycle: Lifecycle;
  /** Addresses this resource references (and so must exist before it). */
  dependsOn: string[];
  origin: Origin;
  /** Secret values by attribute path. In memory only: never rendered, saved or logged. */
  secrets: SecretValues;
}

export interface LocalBackendConfig {
  type: 'local';
  /** Absolute path of the state file. */
  path: string;
}

export interface PgBackendConfig {
  type: 'pg';
  connection_string: string;
  schema: string;
  workspace: string;
  /**
   * Why `connection_string` is empty when config was loaded without secrets (`readSecrets: false`) and its
   * secret could not be read: the backend reports it when it first needs to connect.
   */
  connection_string_error?: { message: string; hint?: string };
}

export type BackendConfig = LocalBackendConfig | PgBackendConfig;

export interface DesiredState {
  /** Folder the config was read from (relative secret files and state paths resolve against it). */
  configDir: string;
  /** Config files read, absolute paths. */
  files: string[];
  /** sha256 of the config files' contents, in name order: a saved plan is stale when this moves. */
  configHash: string;
  backend: BackendConfig;
  /** By address, in declaration order. */
  resources: Map<string, DesiredResource>;
  /** Warnings found while loading (errors are thrown as a DiagnosticsError instead). */
  warnings?: Diagnostic[];
}
