/**
 * Builds Plans for render tests: one call per resource change, summary and `errored` derived the way the
 * planner derives them, so tests state only what they are about.
 */
import type { SensitiveValue } from '../../../src/config/secrets';
import { hasErrors, type Diagnostic } from '../../../src/diagnostics';
import {
  summarize,
  type DriftEntry,
  type Plan,
  type PlanMode,
  type ResourceChange,
} from '../../../src/engine/plan';
import { parseAddress } from '../../../src/graph/address';

type Attrs = Record<string, unknown>;
type Extra = Partial<Pick<ResourceChange, 'reason' | 'pause_syncs' | 'computed' | 'depends_on'>>;

/** A secret marker as config loading and fingerprinting leave it. */
export function secret(env: string, fingerprint: string): SensitiveValue {
  return { $sensitive: { ref: { env }, fingerprint } };
}

export class PlanBuilder {
  private readonly changes: ResourceChange[] = [];
  private readonly drift: DriftEntry[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private planMode: PlanMode = 'normal';

  create(address: string, after: Attrs, extra: Extra = {}): this {
    return this.add(address, 'create', null, after, [], extra);
  }

  update(address: string, before: Attrs, after: Attrs, extra: Extra = {}): this {
    return this.add(address, 'update', before, after, [], extra);
  }

  replace(address: string, before: Attrs, after: Attrs, replacePaths: string[], extra: Extra = {}): this {
    return this.add(address, 'replace', before, after, replacePaths, {
      reason: 'replace_because_cannot_update',
      ...extra,
    });
  }

  delete(address: string, before: Attrs, extra: Extra = {}): this {
    return this.add(address, 'delete', before, null, [], {
      reason: 'delete_because_no_resource_config',
      ...extra,
    });
  }

  noop(address: string, attrs: Attrs): this {
    return this.add(address, 'no-op', attrs, attrs, [], {});
  }

  drifted(address: string, kind: DriftEntry['kind'], attributes: DriftEntry['attributes']): this {
    const { type, name } = parse(address);
    this.drift.push({ address, type, name, kind, attributes });
    return this;
  }

  diagnostic(d: Diagnostic): this {
    this.diagnostics.push(d);
    return this;
  }

  mode(mode: PlanMode): this {
    this.planMode = mode;
    return this;
  }

  build(): Plan {
    return {
      format_version: '1.0',
      backflow_version: '0.1.0',
      created_at: '2025-01-01T00:00:00.000Z',
      mode: this.planMode,
      options: { targets: [], refresh: true },
      prior_state: { lineage: 'lineage-1', serial: 3 },
      config_hash: 'sha256:abc',
      resource_changes: [...this.changes],
      resource_drift: [...this.drift],
      diagnostics: [...this.diagnostics],
      summary: summarize(this.changes),
      errored: hasErrors(this.diagnostics),
    };
  }

  private add(
    address: string,
    action: ResourceChange['action'],
    before: Attrs | null,
    after: Attrs | null,
    replacePaths: string[],
    extra: Extra,
  ): this {
    const { type, name } = parse(address);
    const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
    const changed = [...keys].filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k]));
    this.changes.push({
      address,
      type,
      name,
      action,
      before,
      after,
      changed,
      replace_paths: replacePaths,
      depends_on: [],
      ...extra,
    });
    return this;
  }
}

function parse(address: string): { type: ResourceChange['type']; name: string } {
  const parsed = parseAddress(address);
  if (!parsed) throw new Error(`bad address in test: ${address}`);
  return parsed;
}

/** A plan touching every action, nested attributes, secrets, drift, diagnostics and an orchestrated pause. */
export function kitchenSinkPlan(): Plan {
  return new PlanBuilder()
    .drifted('source.warehouse', 'changed', [{ path: 'settings.host', before: 'db-1', after: 'db-2' }])
    .drifted('destination.old_hook', 'deleted', [
      { path: 'url', before: 'https://old.example.com', after: null },
    ])
    .noop('git_sync.analytics', { branch: 'main' })
    .create(
      'model.active_users',
      { name: 'Active users', source: 'warehouse', primary_key: 'user_id', enabled: true },
      { computed: { columns: undefined, sql_hash: undefined } },
    )
    .update(
      'model.big_orders',
      {
        name: 'Big orders',
        query: 'select order_id from analytics.orders where amount > 1000',
        primary_key: 'order_id',
        enabled: true,
        source: 'warehouse',
      },
      {
        name: 'Big orders',
        query: 'select order_id from analytics.orders where amount > 5000',
        primary_key: 'order_id',
        enabled: true,
        source: 'warehouse',
      },
      { pause_syncs: ['sync.orders_hourly'] },
    )
    .replace(
      'source.warehouse',
      {
        warehouse: 'postgres',
        settings: { host: 'db-1', port: 5432, password: secret('PG_PASSWORD', 'hmac-sha256:aaa111') },
      },
      {
        warehouse: 'snowflake',
        settings: { host: 'db-1', port: 5432, password: secret('PG_PASSWORD', 'hmac-sha256:bbb222') },
      },
      ['warehouse'],
    )
    .delete('sync.legacy', { model: 'big_orders', destination: 'crm', enabled: false })
    .diagnostic({
      severity: 'warning',
      summary: 'Model model.big_orders has no description',
      address: 'model.big_orders',
      file: 'backflow.json',
      path: '$.models.big_orders',
      line: 12,
      column: 5,
    })
    .build();
}
