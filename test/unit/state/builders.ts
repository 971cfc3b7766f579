/** Builders for state tests: resources, states of any size, plans, and scratch folders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan } from '../../../src/engine/plan';
import type { ResourceType } from '../../../src/graph/address';
import { newState } from '../../../src/state/state';
import type { ResourceState, StateFile } from '../../../src/state/types';

export function resource(
  type: ResourceType,
  name: string,
  attributes: Record<string, unknown> = {},
): ResourceState {
  return {
    type,
    name,
    attributes: { name, ...attributes },
    computed: { sql_hash: 'sha256:' + name.padEnd(8, '0') },
    dependencies: type === 'model' ? ['source.warehouse'] : [],
  };
}

/** A state holding `count` models (plus their source), at `serial`. */
export function stateWith(count: number, serial = 1, base: StateFile = newState('0.0.0-test')): StateFile {
  const resources: Record<string, ResourceState> = {
    'source.warehouse': resource('source', 'warehouse', {
      warehouse: 'postgres',
      settings: {
        host: '127.0.0.1',
        password: { $sensitive: { ref: { env: 'PW' }, fingerprint: 'hmac-sha256:ab' } },
      },
    }),
  };
  for (let i = 0; i < count; i++) {
    resources[`model.m${i}`] = resource('model', `m${i}`, {
      query: `select * from t${i}`,
      primary_key: 'id',
    });
  }
  return { ...base, serial, resources };
}

export function plan(overrides: Partial<Plan> = {}): Plan {
  return {
    format_version: '1.0',
    backflow_version: '0.1.0',
    created_at: '2025-01-01T00:00:00.000Z',
    mode: 'normal',
    options: { targets: [], refresh: true },
    prior_state: null,
    config_hash: 'sha256:config-a',
    resource_changes: [
      {
        address: 'model.active_users',
        type: 'model',
        name: 'active_users',
        action: 'create',
        before: null,
        after: { name: 'Active users', primary_key: 'user_id' },
        changed: [],
        replace_paths: [],
        depends_on: ['source.warehouse'],
      },
    ],
    resource_drift: [],
    diagnostics: [],
    summary: { add: 1, change: 0, destroy: 0 },
    errored: false,
    ...overrides,
  };
}

/** A fresh folder removed after the test file. */
export function scratchDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'backflow-state-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
