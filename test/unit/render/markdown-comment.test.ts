/**
 * What a reviewer reads in the pull-request comment: which workspace, commit and CI run it is about, errors
 * first, no line wider than a code block, changed values as coloured -/+ lines, a long one-line query as a
 * clause-by-clause diff, and a diagram once a plan has more than a few changes.
 */
import {
  DIAGRAM_THRESHOLD,
  MARKDOWN_MARKER,
  markdownMarker,
  renderMarkdown,
} from '../../../src/render/markdown';
import { changeDiagram, DIAGRAM_MAX_NODES } from '../../../src/render/markdown-diagram';
import { CODE_WIDTH, splitClauses, wrapBlock, wrapRow, wrapText } from '../../../src/render/markdown-wrap';
import { PlanBuilder } from './plan-builder';

/** Lines inside fenced code blocks (``` or longer fences, quoted or not). */
function codeLines(md: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const raw of md.split('\n')) {
    const line = raw.replace(/^> ?/, '');
    const m = /^(`{3,})/.exec(line);
    if (fence === undefined && m) fence = m[1];
    else if (fence !== undefined && line.startsWith(fence)) fence = undefined;
    else if (fence !== undefined) out.push(line);
  }
  return out;
}

const LONG_QUERY = (n: number): string =>
  `select id, amount, region, customer_id, created_at from analytics.orders o left outer join analytics.customers c on c.id = o.customer_id where amount > ${n} and region = 'eu' order by created_at`;

describe('the pull-request comment', () => {
  it('names its workspace in the marker and under the title, with the commit and the CI run', () => {
    const plan = new PlanBuilder().create('model.a', { name: 'a' }).build();
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const md = renderMarkdown(plan, {
      context: { workspace: 'production', commit: sha, runUrl: 'https://github.com/acme/dw/actions/runs/42' },
    });
    const lines = md.split('\n');
    expect(lines[0]).toBe('<!-- backflow-plan workspace=production -->');
    expect(lines[0]).toBe(markdownMarker('production'));
    expect(lines[1]).toBe('## Backflow plan');
    expect(md).toContain(
      `<sub>Workspace \`production\` · commit ${sha} · [CI run](https://github.com/acme/dw/actions/runs/42)</sub>`,
    );
    // One comment per workspace: the markers differ, and none is a prefix of another's first line.
    expect(markdownMarker('staging')).not.toBe(markdownMarker('production'));
    expect(markdownMarker(undefined)).toBe(MARKDOWN_MARKER);
    expect(markdownMarker('a b-->x')).toBe('<!-- backflow-plan workspace=a_b--_x -->');
    // No context: no line about it (a local run).
    expect(renderMarkdown(plan)).not.toContain('<sub>');
    // A URL that would break the link is left out rather than written.
    expect(renderMarkdown(plan, { context: { runUrl: 'javascript:alert(1)' } })).not.toContain('CI run');
    // A JSON config's one workspace is named, under the plain marker its earlier comments carry.
    const json = renderMarkdown(plan, { context: { workspace: 'default', markerNamesWorkspace: false } });
    expect(json.split('\n')[0]).toBe(MARKDOWN_MARKER);
    expect(json).toContain('<sub>Workspace `default`</sub>');
  });

  it('shows a changed value as its old line and its new line, which GitHub colours', () => {
    const plan = new PlanBuilder()
      .update(
        'destination.crm',
        { url: 'https://a.example.com', type: 'webhook' },
        { url: 'https://b.example.com', type: 'webhook' },
      )
      .build();
    const md = renderMarkdown(plan);
    expect(md).toContain(
      [
        '```diff',
        '!   resource "destination" "crm" {',
        '-       url = "https://a.example.com"',
        '+       url = "https://b.example.com"',
        '        # (1 unchanged attribute hidden)',
        '    }',
        '```',
      ].join('\n'),
    );
    expect(md).not.toMatch(/^~/m);
  });

  it('shows a long one-line query as a diff of its clauses, only the edited clause changed', () => {
    const plan = new PlanBuilder()
      .update('model.orders', { query: LONG_QUERY(100) }, { query: LONG_QUERY(200) })
      .build();
    const md = renderMarkdown(plan);
    expect(md).toContain('!       query = # one line, shown a clause per line');
    expect(md).toContain('-           where amount > 100\n+           where amount > 200\n');
    expect(md).toContain('            left outer join analytics.customers c\n');
    expect(md).not.toContain('" -> "');
    const changed = codeLines(md).filter((l) => /^[-+]/.test(l));
    expect(changed).toEqual(['-           where amount > 100', '+           where amount > 200']);
  });

  it('keeps every code-block line within the width: long values, deep nesting, long error details', () => {
    const url = 'https://hooks.example.com/' + 'x'.repeat(300);
    const plan = new PlanBuilder()
      .create('destination.hook', { url, headers: { 'X-Long': 'word '.repeat(60) } })
      .update(
        'model.orders',
        { query: LONG_QUERY(1) },
        { query: LONG_QUERY(2) + ' ' + 'and z = 1 '.repeat(30) },
      )
      .update(
        'source.wh',
        { settings: { a: { b: { c: { d: 'short' } } } } },
        { settings: { a: { b: { c: { d: 'y'.repeat(200) } } } } },
      )
      .diagnostic({
        severity: 'error',
        summary: 'Model model.orders does not compile',
        detail: `ERROR: column "amnt" does not exist ${'at character 42 of a very long explanation '.repeat(8)}\nHint: ${'y'.repeat(150)}`,
        address: 'model.orders',
      })
      .build();
    const md = renderMarkdown(plan);
    const lines = codeLines(md);
    expect(lines.length).toBeGreaterThan(20);
    const widest = Math.max(...lines.map((l) => l.length));
    expect(widest).toBeLessThanOrEqual(CODE_WIDTH);
    // Nothing was lost: the long URL is all there, in pieces that keep the `+` in column 0.
    const urlRows = lines.filter((l) => l.includes('xxxx'));
    expect(urlRows.every((l) => l.startsWith('+'))).toBe(true);
    expect(
      urlRows
        .map((l) => l.slice(4).trim())
        .join('')
        .replace(/^url\s*=\s*/, ''),
    ).toBe(JSON.stringify(url));
    expect(urlRows.length).toBeGreaterThan(3);
    // The error (and its hint) comes before the summary line.
    expect(md.indexOf('Hint: yyyy')).toBeGreaterThan(0);
    expect(md.indexOf('Hint: yyyy')).toBeLessThan(md.indexOf('**Plan failed: 1 error.'));
  });

  it('draws a diagram of the changes once there are more than a few, in apply order', () => {
    const few = new PlanBuilder();
    for (let i = 0; i < DIAGRAM_THRESHOLD; i++) few.create(`model.m${i}`, { name: `m${i}` });
    expect(renderMarkdown(few.build())).not.toContain('```mermaid');

    const plan = new PlanBuilder()
      .create('source.wh', { warehouse: 'postgres' })
      .create('model.users', { source: 'wh' }, { depends_on: ['source.wh'] })
      .update('destination.crm', { url: 'a' }, { url: 'b' })
      .create('sync.users_to_crm', { model: 'users' }, { depends_on: ['model.users', 'destination.crm'] })
      .delete('sync.legacy', { model: 'users' })
      .noop('model.same', { name: 'same' })
      .build();
    const md = renderMarkdown(plan);
    const diagram = /```mermaid\n([\s\S]*?)\n```/.exec(md)![1].split('\n');
    expect(diagram[0]).toBe('flowchart LR');
    expect(diagram).toContain('  r0["~ destination.crm"]:::update');
    expect(diagram).toContain('  r1["+ model.users"]:::create');
    expect(diagram).toContain('  r2["+ source.wh"]:::create');
    expect(diagram).toContain('  r3["- sync.legacy"]:::delete');
    expect(diagram).toContain('  r4["+ sync.users_to_crm"]:::create');
    expect(diagram).toContain('  r2 --> r1');
    expect(diagram).toContain('  r1 --> r4');
    expect(diagram).toContain('  r0 --> r4');
    expect(diagram.join('\n')).not.toContain('model.same');
    expect(diagram.some((l) => l.startsWith('  classDef delete '))).toBe(true);
    expect(diagram.some((l) => l.startsWith('  classDef replace '))).toBe(false);
    // After the table, before the diffs.
    expect(md.indexOf('| Action |')).toBeLessThan(md.indexOf('```mermaid'));
    expect(md.indexOf('```mermaid')).toBeLessThan(md.indexOf('### Changes'));
  });

  it('draws a large plan one box per type and action, with counts', () => {
    const b = new PlanBuilder();
    for (let i = 0; i < DIAGRAM_MAX_NODES; i++) {
      b.create(`model.m${i}`, { name: `m${i}` });
      b.create(`sync.s${i}`, { model: `m${i}` }, { depends_on: [`model.m${i}`] });
    }
    b.delete('model.old', { name: 'old' });
    const text = changeDiagram(b.build().resource_changes)!;
    expect(text.split('\n').filter((l) => /^ {2}g\d+\[/.test(l))).toEqual([
      '  g0["+ 40 × model: create"]:::create',
      '  g1["- 1 × model: destroy"]:::delete',
      '  g2["+ 40 × sync: create"]:::create',
    ]);
    expect(text).toContain('  g0 --> g2');
    expect(text.length).toBeLessThan(1000);
  });

  it('escapes what would end a Mermaid label', () => {
    const text = changeDiagram([
      { address: 'model.a"b<c>#', type: 'model', action: 'create', depends_on: [] },
    ])!;
    expect(text).toContain('r0["+ model.a#34;b#60;c#62;#35;"]:::create');
  });
});

describe('wrapping', () => {
  it('cuts at a space that keeps the piece at least half full, else mid-word', () => {
    expect(wrapText('aaaa bbbb cccc dddd eeee ffff gggg hhhh', 24)).toEqual([
      'aaaa bbbb cccc dddd eeee',
      'ffff gggg hhhh',
    ]);
    expect(wrapText('x'.repeat(60), 24)).toEqual(['x'.repeat(24), 'x'.repeat(24), 'x'.repeat(12)]);
  });

  it('repeats the symbol on continuation rows, indented', () => {
    const rows = wrapRow('+', '    ', 'url = ' + 'a'.repeat(100), 40);
    expect(rows.every((r) => r.startsWith('+   ') && r.length <= 40)).toBe(true);
    expect(rows[1].startsWith('+         ')).toBe(true);
    expect(rows.map((r) => r.replace(/^\+\s*/, '')).join('')).toBe('url = ' + 'a'.repeat(100));
  });

  it('wraps a text block line by line, keeping indentation and short lines', () => {
    expect(wrapBlock('short\n  ' + 'word '.repeat(12).trim(), 30)).toBe(
      'short\n  word word word word word\n  word word word word word\n  word word',
    );
  });

  it('splits SQL before its clauses, keeping join words together', () => {
    expect(splitClauses('select a, b from t left join u on u.id = t.id where x = 1 and y = 2')).toEqual([
      'select a, b',
      'from t',
      'left join u',
      'on u.id = t.id',
      'where x = 1',
      'and y = 2',
    ]);
  });
});
