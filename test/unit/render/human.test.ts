import { summaryLine } from '../../../src/engine/plan';
import { renderHuman } from '../../../src/render/human';
import { kitchenSinkPlan, PlanBuilder } from './plan-builder';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

describe('renderHuman', () => {
  const plan = kitchenSinkPlan();
  const out = renderHuman(plan, { color: false });

  it('ends with the summary line, byte for byte', () => {
    expect(out.split('\n').at(-1)).toBe('Plan: 2 to add, 1 to change, 2 to destroy.');
    expect(out.split('\n').at(-1)).toBe(summaryLine(plan));
  });

  it('prints the no-changes line, and nothing else, for an empty plan', () => {
    const empty = new PlanBuilder().noop('model.a', { name: 'a' }).build();
    expect(renderHuman(empty, { color: false })).toBe(
      'No changes. Your infrastructure matches the configuration.',
    );
    expect(renderHuman(empty, { color: true })).toBe(
      'No changes. Your infrastructure matches the configuration.',
    );
  });

  it('shows a legend of the symbols the plan uses, then the actions', () => {
    expect(out).toContain(
      [
        'Resource actions are indicated with the following symbols:',
        '  + create',
        '  ~ update in-place',
        '-/+ destroy and then create replacement',
        '  - destroy',
        '',
        'Backflow will perform the following actions:',
      ].join('\n'),
    );
    const onlyCreate = renderHuman(new PlanBuilder().create('model.a', { name: 'a' }).build(), {
      color: false,
    });
    expect(onlyCreate).toContain('symbols:\n  + create\n\nBackflow will perform');
  });

  it('renders a create with every attribute, unknown computed values included', () => {
    expect(out).toContain(
      [
        '  # model.active_users will be created',
        '  + resource "model" "active_users" {',
        '      + columns     = (known after apply)',
        '      + enabled     = true',
        '      + name        = "Active users"',
        '      + primary_key = "user_id"',
        '      + source      = "warehouse"',
        '      + sql_hash    = (known after apply)',
        '    }',
      ].join('\n'),
    );
  });

  it('renders an update with the changed attribute and a count of hidden ones, and the pause note', () => {
    expect(out).toContain(
      [
        '  # model.big_orders will be updated in-place',
        '  # (sync.orders_hourly will be paused before this change, then resumed)',
        '  ~ resource "model" "big_orders" {',
        '      ~ query = "select order_id from analytics.orders where amount > 1000" -> "select order_id from analytics.orders where amount > 5000"',
        '        # (4 unchanged attributes hidden)',
        '    }',
      ].join('\n'),
    );
  });

  it('renders a replacement with nested attributes and # forces replacement', () => {
    expect(out).toContain(
      [
        '  # source.warehouse must be replaced',
        '-/+ resource "source" "warehouse" {',
        '      ~ settings  = {',
        '          ~ password = (sensitive value changed)',
        '            # (2 unchanged attributes hidden)',
        '        }',
        '      ~ warehouse = "postgres" -> "snowflake" # forces replacement',
        '    }',
      ].join('\n'),
    );
  });

  it('renders a destroy with every attribute going to null and the reason', () => {
    expect(out).toContain(
      [
        '  # sync.legacy will be destroyed',
        '  # (because sync.legacy is not in configuration)',
        '  - resource "sync" "legacy" {',
        '      - destination = "crm" -> null',
        '      - enabled     = false -> null',
        '      - model       = "big_orders" -> null',
        '    }',
      ].join('\n'),
    );
  });

  it('hides no-op resources', () => {
    expect(out).not.toContain('git_sync.analytics');
  });

  it('shows drift first, in its own section', () => {
    expect(out.startsWith('Note: Objects have changed outside of Backflow\n')).toBe(true);
    expect(out).toContain(
      [
        '  # source.warehouse has changed',
        '  ~ resource "source" "warehouse" {',
        '      ~ settings = {',
        '          ~ host = "db-1" -> "db-2"',
        '        }',
        '    }',
        '',
        '  # destination.old_hook has been deleted',
        '  - resource "destination" "old_hook" {',
        '      - url = "https://old.example.com" -> null',
        '    }',
      ].join('\n'),
    );
    expect(out.indexOf('has been deleted')).toBeLessThan(out.indexOf('Backflow will perform'));
  });

  it('says a refresh-only plan will not undo drift', () => {
    const p = new PlanBuilder()
      .mode('refresh-only')
      .drifted('source.w', 'changed', [{ path: 'server_version', before: '15', after: '16' }])
      .build();
    const text = renderHuman(p, { color: false });
    expect(text).toContain(
      'This is a refresh-only plan, so Backflow will not take any actions to undo these.',
    );
    expect(text).not.toContain('Backflow will perform');
    expect(text.split('\n').at(-1)).toBe('Refresh-only plan: 1 object changed outside Backflow.');
  });

  it('prints diagnostics (with the config formatter) last, and no Plan: line when the plan errored', () => {
    const p = new PlanBuilder()
      .update('model.big_orders', { query: 'select 1' }, { query: 'select 2' })
      .diagnostic({
        severity: 'error',
        summary: 'Model model.big_orders is attached to active syncs',
        detail:
          'sync.orders_hourly is active.\nDisable it in the same plan, or set lifecycle.on_attached_change to "pause".',
        address: 'model.big_orders',
        file: 'backflow.json',
        line: 30,
        path: '$.models.big_orders.query',
      })
      .build();
    const text = renderHuman(p, { color: false });
    expect(text).toContain(
      [
        'Error: Model model.big_orders is attached to active syncs',
        '',
        '  on backflow.json line 30, in $.models.big_orders.query',
        '  sync.orders_hourly is active.',
        '  Disable it in the same plan, or set lifecycle.on_attached_change to "pause".',
      ].join('\n'),
    );
    // As Terraform: an errored plan ends with its errors (tfcmt and Atlantis then report a failure).
    expect(text.endsWith('set lifecycle.on_attached_change to "pause".')).toBe(true);
    expect(text).not.toMatch(/^Plan: /m);
    expect(text).not.toContain('No changes.');
  });

  it('shows multi-line SQL as a heredoc diffed line by line', () => {
    const p = new PlanBuilder()
      .update(
        'model.orders',
        { query: 'select id,\n  amount\nfrom orders\nwhere amount > 10' },
        { query: 'select id,\n  amount\nfrom orders\nwhere amount > 20' },
      )
      .build();
    expect(renderHuman(p, { color: false })).toContain(
      [
        '      ~ query = <<-EOT',
        '            select id,',
        '              amount',
        '            from orders',
        '          - where amount > 10',
        '          + where amount > 20',
        '        EOT',
      ].join('\n'),
    );
  });

  it('diffs arrays element by element and shows added and removed nested attributes', () => {
    const p = new PlanBuilder()
      .update(
        'sync.s',
        { mapping: { a: 'x', b: 'y' }, schedule: { strategy: 'specific_days', days: ['mon', 'thu'] } },
        { mapping: { a: 'x', c: 'z' }, schedule: { strategy: 'specific_days', days: ['mon', 'fri', 'sun'] } },
      )
      .build();
    expect(renderHuman(p, { color: false })).toContain(
      [
        '  ~ resource "sync" "s" {',
        '      ~ mapping  = {',
        '          - b = "y" -> null',
        '          + c = "z"',
        '            # (1 unchanged attribute hidden)',
        '        }',
        '      ~ schedule = {',
        '          ~ days = [',
        '              ~ "thu" -> "fri",',
        '              + "sun",',
        '                # (1 unchanged element hidden)',
        '            ]',
        '            # (1 unchanged attribute hidden)',
        '        }',
        '    }',
      ].join('\n'),
    );
  });

  it('has no ANSI escapes without colour, and has them with colour', () => {
    expect(out).not.toMatch(ANSI);
    const colored = renderHuman(plan, { color: true });
    expect(colored).toMatch(ANSI);
    expect(colored).toContain('\u001b[32m+\u001b[39m');
    expect(colored).toContain('\u001b[33m~\u001b[39m');
    expect(colored).toContain('\u001b[31m-\u001b[39m');
    // The summary line stays plain even in colour.
    expect(colored.split('\n').at(-1)).toBe(summaryLine(plan));
    // eslint-disable-next-line no-control-regex
    expect(colored.replace(/\u001b\[\d+m/g, '')).toBe(out);
  });

  it('escapes control characters from config values, so colour-free output stays colour-free', () => {
    const p = new PlanBuilder()
      .create('model.evil', { query: 'select 1\n-- \u001b[31mred\u001b[0m', name: 'x\u001b[2J' })
      .build();
    const text = renderHuman(p, { color: false });
    expect(text).not.toMatch(ANSI);
    expect(text).toContain('\\u001b[31mred');
  });

  it('escapes control characters in diagnostics too', () => {
    const p = new PlanBuilder()
      .diagnostic({ severity: 'warning', summary: 'bad \u001b[2J', detail: 'x\u009b1m' })
      .build();
    const text = renderHuman(p, { color: false });
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u009b');
  });

  it('is deterministic', () => {
    expect(renderHuman(kitchenSinkPlan(), { color: true })).toBe(
      renderHuman(kitchenSinkPlan(), { color: true }),
    );
  });
});
