import { renderJson, toJsonPlan } from '../../../src/render/json-plan';
import { kitchenSinkPlan, PlanBuilder, secret } from './plan-builder';

describe('toJsonPlan', () => {
  const json = toJsonPlan(kitchenSinkPlan());
  const byAddress = (address: string) => json.resource_changes.find((rc) => rc.address === address)!;

  it('has the top-level fields of a versioned plan', () => {
    expect(json).toMatchObject({
      format_version: '1.0',
      backflow_version: '0.1.0',
      mode: 'normal',
      summary: { add: 2, change: 1, destroy: 2 },
      errored: false,
      applyable: true,
      prior_state: { lineage: 'lineage-1', serial: 3 },
      config_hash: 'sha256:abc',
    });
  });

  it("maps every action to Terraform's action list, no-ops included, in plan order", () => {
    expect(json.resource_changes.map((rc) => [rc.address, rc.change.actions])).toEqual([
      ['git_sync.analytics', ['no-op']],
      ['model.active_users', ['create']],
      ['model.big_orders', ['update']],
      ['source.warehouse', ['delete', 'create']],
      ['sync.legacy', ['delete']],
    ]);
    for (const rc of json.resource_changes) expect(rc.mode).toBe('managed');
    expect(byAddress('model.active_users')).toMatchObject({ type: 'model', name: 'active_users' });
  });

  it('keeps change fields in the order terraform show -json uses', () => {
    expect(Object.keys(byAddress('model.big_orders').change)).toEqual([
      'actions',
      'before',
      'after',
      'after_unknown',
      'before_sensitive',
      'after_sensitive',
      'changed_sensitive_paths',
      'replace_paths',
    ]);
  });

  it('marks unknown computed attributes of a new object in after_unknown, and nothing otherwise', () => {
    expect(byAddress('model.active_users').change.after_unknown).toEqual({ columns: true, sql_hash: true });
    expect(byAddress('model.big_orders').change.after_unknown).toEqual({});
    const plan = new PlanBuilder()
      .create('model.x', { name: 'x' }, { computed: { sql_hash: 'known' } })
      .build();
    expect(toJsonPlan(plan).resource_changes[0].change.after_unknown).toEqual({});
  });

  it('uses null and false for the missing side of creates and deletes', () => {
    const created = byAddress('model.active_users').change;
    expect(created.before).toBeNull();
    expect(created.before_sensitive).toBe(false);
    const deleted = byAddress('sync.legacy').change;
    expect(deleted.after).toBeNull();
    expect(deleted.after_sensitive).toBe(false);
  });

  it('takes secrets out of before/after and marks their place in *_sensitive', () => {
    const c = byAddress('source.warehouse').change;
    expect(c.before).toEqual({ warehouse: 'postgres', settings: { host: 'db-1', port: 5432 } });
    expect(c.after).toEqual({ warehouse: 'snowflake', settings: { host: 'db-1', port: 5432 } });
    expect(c.before_sensitive).toEqual({ settings: { password: true } });
    expect(c.after_sensitive).toEqual({ settings: { password: true } });
    expect(c.changed_sensitive_paths).toEqual([['settings', 'password']]);
  });

  it('keeps array positions when an element is sensitive', () => {
    const plan = new PlanBuilder()
      .create('destination.hook', { tokens: ['a', secret('T', 'fp'), 'c'] })
      .build();
    const c = toJsonPlan(plan).resource_changes[0].change;
    expect(c.after).toEqual({ tokens: ['a', null, 'c'] });
    expect(c.after_sensitive).toEqual({ tokens: [false, true, false] });
  });

  it('gives replace paths as arrays of steps and the action reason', () => {
    const rc = byAddress('source.warehouse');
    expect(rc.change.replace_paths).toEqual([['warehouse']]);
    expect(rc.action_reason).toBe('replace_because_cannot_update');
    expect(byAddress('model.big_orders').action_reason).toBeUndefined();
    expect(byAddress('model.big_orders').pause_syncs).toEqual(['sync.orders_hourly']);
  });

  it('shapes drift like changes, with update or delete actions and nested paths', () => {
    expect(json.resource_drift).toHaveLength(2);
    expect(json.resource_drift[0]).toMatchObject({
      address: 'source.warehouse',
      change: {
        actions: ['update'],
        before: { settings: { host: 'db-1' } },
        after: { settings: { host: 'db-2' } },
      },
    });
    expect(json.resource_drift[1].change).toMatchObject({ actions: ['delete'], after: null });
  });

  it('gives diagnostics a range when the file is known', () => {
    expect(json.diagnostics).toEqual([
      {
        severity: 'warning',
        summary: 'Model model.big_orders has no description',
        detail: '',
        address: 'model.big_orders',
        range: { filename: 'backflow.json', start: { line: 12, column: 5 } },
        path: '$.models.big_orders',
      },
    ]);
    const noFile = toJsonPlan(new PlanBuilder().diagnostic({ severity: 'error', summary: 'x' }).build());
    expect(noFile.diagnostics[0]).toEqual({ severity: 'error', summary: 'x', detail: '' });
    expect(noFile.errored).toBe(true);
    expect(noFile.applyable).toBe(false);
  });

  it('renderJson is the JSON plan on one line, the same bytes for the same plan', () => {
    const text = renderJson(kitchenSinkPlan());
    expect(text).not.toContain('\n');
    expect(JSON.parse(text)).toEqual(toJsonPlan(kitchenSinkPlan()));
    expect(renderJson(kitchenSinkPlan())).toBe(text);
  });

  it('does not modify the plan it reads', () => {
    const plan = kitchenSinkPlan();
    const copy = JSON.parse(JSON.stringify(plan));
    toJsonPlan(plan);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(copy);
  });
});
