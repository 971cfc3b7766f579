import { summaryLine } from '../../../src/engine/plan';
import { GITHUB_COMMENT_LIMIT, MARKDOWN_MARKER, renderMarkdown } from '../../../src/render/markdown';
import { kitchenSinkPlan, PlanBuilder } from './plan-builder';

function bigPlan(n: number) {
  const b = new PlanBuilder();
  for (let i = 0; i < n; i++) {
    const name = `m${String(i).padStart(5, '0')}`;
    const attrs = {
      name: `Model ${i}`,
      query: `select id, amount from analytics.orders_${i} where amount > ${i}`,
    };
    if (i % 3 === 0) b.create(`model.${name}`, attrs);
    else if (i % 3 === 1) b.update(`model.${name}`, attrs, { ...attrs, name: `Model ${i} (renamed)` });
    else b.delete(`model.${name}`, attrs);
  }
  return b.build();
}

describe('renderMarkdown', () => {
  const plan = kitchenSinkPlan();
  const md = renderMarkdown(plan);

  it('starts with the hidden marker, then the title and the summary line', () => {
    const lines = md.split('\n');
    expect(lines[0]).toBe(MARKDOWN_MARKER);
    expect(lines[1]).toBe('## Backflow plan');
    expect(md).toContain(`**${summaryLine(plan)}**`);
    expect(renderMarkdown(plan, { title: 'Plan for `prod`' }).split('\n')[1]).toBe('## Plan for `prod`');
  });

  it('tables the changes by action, no-ops left out', () => {
    expect(md).toContain(
      [
        '| Action | Count | Resources |',
        '| --- | ---: | --- |',
        '| Create | 1 | `model.active_users` |',
        '| Update in-place | 1 | `model.big_orders` |',
        '| Replace | 1 | `source.warehouse` |',
        '| Destroy | 1 | `sync.legacy` |',
      ].join('\n'),
    );
    expect(md).not.toContain('git_sync.analytics');
  });

  it('puts destroys and replacements in a loud caution block', () => {
    expect(md).toContain(
      [
        '> [!CAUTION]',
        '> **2 resources will be destroyed or replaced:**',
        '> - `source.warehouse` must be replaced',
        '> - `sync.legacy` will be destroyed',
      ].join('\n'),
    );
  });

  it('puts errors first, loudly, with their detail (detachment errors included)', () => {
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
      .diagnostic({ severity: 'warning', summary: 'Something <b>odd</b>' })
      .build();
    const text = renderMarkdown(p);
    expect(text).toContain(
      [
        '> [!CAUTION]',
        '> **1 error: this plan cannot be applied.**',
        '>',
        '> **Error: Model model.big_orders is attached to active syncs**',
        '> `model.big_orders` · `backflow.json` line 30 · `$.models.big_orders.query`',
        '> ```text',
        '> sync.orders_hourly is active.',
        '> Disable it in the same plan, or set lifecycle.on_attached_change to "pause".',
        '> ```',
      ].join('\n'),
    );
    expect(text).toContain(
      '> [!WARNING]\n> **1 warning:**\n>\n> **Warning: Something &lt;b&gt;odd&lt;/b&gt;**',
    );
    expect(text.indexOf('[!CAUTION]')).toBeLessThan(text.indexOf('| Action |'));
  });

  it('shows drift in its own section, before the changes', () => {
    const drift = md.indexOf('### Changed outside of Backflow');
    expect(drift).toBeGreaterThan(0);
    expect(drift).toBeLessThan(md.indexOf('### Changes'));
    expect(md).toContain('<details><summary><code>source.warehouse</code> has changed</summary>');
    expect(md).toContain('<details><summary><code>destination.old_hook</code> has been deleted</summary>');
  });

  it('gives each change a <details> block with a diff fence, symbols in column 0, in plan order', () => {
    expect(md).toContain(
      [
        '<details><summary><code>source.warehouse</code> must be replaced</summary>',
        '',
        '```diff',
        '-/+ resource "source" "warehouse" {',
        '!       settings  = {',
        '!           password = (sensitive value changed)',
        '            # (2 unchanged attributes hidden)',
        '        }',
        '-       warehouse = "postgres"',
        '+       warehouse = "snowflake" # forces replacement',
        '    }',
        '```',
        '',
        '</details>',
      ].join('\n'),
    );
    expect(md).toContain('+       name        = "Active users"');
    expect(md).toContain('-       model       = "big_orders" -> null');
    expect(md).toContain('⏸️ `sync.orders_hourly` will be paused before this change, then resumed.');
    const order = [
      'model.active_users</code> will',
      'model.big_orders</code> will',
      'source.warehouse</code> must',
      'sync.legacy</code> will',
    ];
    const positions = order.map((s) => md.indexOf(s));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('keeps triple backticks in values from closing the fence', () => {
    const p = new PlanBuilder()
      .create('model.ticks', { description: 'uses ```sql``` fences', query: 'select 1\n```\nselect 2' })
      .build();
    const text = renderMarkdown(p);
    expect(text).toContain('````diff\n');
    expect(text).toContain('\n````\n\n</details>');
  });

  it('escapes HTML in addresses inside <summary>', () => {
    const p = new PlanBuilder().create('model.a<b>', { name: 'x' }).build();
    expect(renderMarkdown(p)).toContain('<summary><code>model.a&lt;b&gt;</code> will be created</summary>');
  });

  it('says no changes plainly', () => {
    const text = renderMarkdown(new PlanBuilder().noop('model.a', { name: 'a' }).build());
    expect(text).toBe(
      `${MARKDOWN_MARKER}\n## Backflow plan\n\n**No changes. Your infrastructure matches the configuration.**`,
    );
  });

  it('keeps a 20,000-resource plan under 65,536 characters by dropping the middle, and says so', () => {
    const p = bigPlan(20_000);
    const text = renderMarkdown(p);
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(text.split('\n')[0]).toBe(MARKDOWN_MARKER);
    expect(text).toContain(`**${summaryLine(p)}**`);
    expect(text).toContain('| Create | 6,667 |');
    const note =
      /_… ([\d,]+) of 20,000 resources omitted here to keep this comment under the 65,536-character limit\. Run `backflow plan` locally, or see the JSON plan \(`backflow plan --json`\), for the full diff\._/.exec(
        text,
      );
    expect(note).not.toBeNull();
    const omitted = Number(note![1].replace(/,/g, ''));
    const shown = (text.match(/<details>/g) ?? []).length;
    expect(shown).toBeGreaterThan(50);
    expect(shown + omitted).toBe(20_000);
    // The first and the last resources stay visible, around the note.
    expect(text.indexOf('model.m00000</code>')).toBeLessThan(note!.index);
    expect(text.indexOf('model.m19999</code>')).toBeGreaterThan(note!.index);
    expect(renderMarkdown(p)).toBe(text);
  });

  it('stays within any limit, however small', () => {
    const p = bigPlan(300);
    for (const maxLength of [20_000, 5_000, 1_500, 600, 100, 10]) {
      expect(renderMarkdown(p, { maxLength }).length).toBeLessThanOrEqual(maxLength);
    }
    expect(renderMarkdown(p, { maxLength: 5_000 })).toContain(
      'omitted here to keep this comment under the 5,000-character limit',
    );
  });

  it('does not truncate a plan that fits', () => {
    expect(md).not.toContain('omitted here');
    expect(renderMarkdown(bigPlan(30))).not.toContain('omitted');
  });
  it('gives the same comment for the same change: sorted by address, nothing time-dependent', () => {
    const a = new PlanBuilder()
      .drifted('source.wh', 'changed', [{ path: 'settings.host', before: 'a', after: 'b' }])
      .drifted('destination.hook', 'deleted', [{ path: 'url', before: 'https://x.example.com', after: null }])
      .create('sync.b_sync', { model: 'm' })
      .delete('model.z_old', { query: 'select 1' })
      .create('model.a_new', { query: 'select 2' })
      .replace('destination.crm', { type: 'webhook' }, { type: 'email' }, ['type'])
      .build();
    // The same changes, planned from config laid out in another order, an hour later.
    const b = {
      ...a,
      created_at: '2025-01-01T01:00:00.000Z',
      resource_changes: [...a.resource_changes].reverse(),
      resource_drift: [...a.resource_drift].reverse(),
    };
    const text = renderMarkdown(a);
    expect(renderMarkdown(b)).toBe(text);
    const details = [...text.matchAll(/<details><summary><code>([^<]+)<\/code>/g)].map((m) => m[1]);
    expect(details).toEqual([
      'destination.hook',
      'source.wh',
      'destination.crm',
      'model.a_new',
      'model.z_old',
      'sync.b_sync',
    ]);
    expect(text).toContain('| Create | 2 | `model.a_new`, `sync.b_sync` |');
    expect(text).toContain('> - `destination.crm` must be replaced\n> - `model.z_old` will be destroyed');
    expect(text).not.toContain('2025');
  });
});
