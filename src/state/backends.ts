/**
 * Opens the backend a workspace's config names. The one place that maps `backend.type` to a class, so that
 * adding a backend touches this list and its own file.
 */
import type { BackendConfig } from '../config/desired';
import type { StateBackend } from './types';

// Each backend's code (and its driver) loads only for the workspaces that use it.
const loadLocal = () => require('./local-backend') as typeof import('./local-backend');
const loadPg = () => require('./pg-backend') as typeof import('./pg-backend');

export interface BackendOptions {
  /** Wait this long for the lock before failing; undefined or 0: fail at once. */
  lockTimeoutMs?: number;
}

export function openBackend(config: BackendConfig, options: BackendOptions = {}): StateBackend {
  switch (config.type) {
    case 'local':
      return new (loadLocal().LocalBackend)(config, { lockTimeoutMs: options.lockTimeoutMs });
    case 'pg':
      return new (loadPg().PgBackend)(config, { lockTimeoutMs: options.lockTimeoutMs });
  }
}
