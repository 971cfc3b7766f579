/**
 * Opens the backend a workspace's config names. The one place that maps `backend.type` to a class, so that
 * adding a backend touches this list and its own file.
 */
import type { BackendConfig } from '../config/desired';
import { LocalBackend } from './local-backend';
import { PgBackend } from './pg-backend';
import type { StateBackend } from './types';

export interface BackendOptions {
  /** Wait this long for the lock before failing; undefined or 0: fail at once. */
  lockTimeoutMs?: number;
}

export function openBackend(config: BackendConfig, options: BackendOptions = {}): StateBackend {
  switch (config.type) {
    case 'local':
      return new LocalBackend(config, { lockTimeoutMs: options.lockTimeoutMs });
    case 'pg':
      return new PgBackend(config, { lockTimeoutMs: options.lockTimeoutMs });
  }
}
