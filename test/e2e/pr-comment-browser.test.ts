/// <reference lib="dom" />
/**
 * The pull-request comment as a reviewer sees it: `renderMarkdown`'s output rendered to HTML by markdown-it
 * in a column as wide as a GitHub comment, with GitHub's code-block rules (no wrapping, scroll instead)
 * and its `diff` colours, in headless Chromium. Nothing may scroll sideways, the error and its fix come
 * before the summary line, changes are coloured, and the screenshot is kept as test-artifacts/pr-comment.png.
 */
import { writeFileSync } from 'node:fs';
import MarkdownIt from 'markdown-it';
import type { Browser, Page } from 'playwright-core';
import { renderMarkdown } from '../../src/render/markdown';
import { artefactPath, browserAvailable, launchBrowser } from '../helpers/browser';
import { PlanBuilder } from '../unit/render/plan-builder';

const QUERY = (n: number): string =>
  `select o.id, o.amount, o.region, c.email, c.first_name, c.last_name, o.created_at from analytics.orders o left join analytics.customers c on c.id = o.customer_id where o.amount > ${n} and o.region in ('eu', 'uk') order by o.created_at desc`;

function reviewPlan() {
  return new PlanBuilder()
    .create('source.warehouse', {
      warehouse: 'postgres',
      settings: { host: 'db.internal', database: 'analytics' },
    })
    .create(
      'model.big_orders',
      { name: 'Big orders', source: 'warehouse', query: QUERY(1000), primary_key: 'id' },
      { depends_on: ['source.warehouse'] },
    )
    .update(
      'model.active_users',
      { query: 'select id, email\nfrom analytics.users\nwhere active\n' },
      { query: 'select id, email, plan\nfrom analytics.users\nwhere active and not deleted\n' },
      { depends_on: ['source.warehouse'] },
    )
    .update(
      'model.orders',
      { query: QUERY(100) },
      { query: QUERY(250) },
      { depends_on: ['source.warehouse'] },
    )
    .update(
      'destination.crm',
      { url: 'https://hooks.example.com/services/T000/B000/' + 'a'.repeat(120) },
      { url: 'https://hooks.example.com/services/T000/B000/' + 'b'.repeat(120) },
    )
    .create(
      'sync.orders_to_crm',
      { model: 'big_orders', destination: 'crm' },
      { depends_on: ['model.big_orders', 'destination.crm'] },
    )
    .delete('sync.legacy', { model: 'orders', destination: 'crm' })
    .diagnostic({
      severity: 'error',
      summary: 'Model model.orders does not compile: column "amnt" does not exist',
      detail:
        'The warehouse said: ERROR: column "amnt" does not exist at character 212 of the query, in a select list that names o.amnt where the table has amount.\nFix: rename the column in models.orders.query to amount, or add amnt to analytics.orders, then run backflow plan again.',
      address: 'model.orders',
      file: 'backflow.json',
      line: 41,
      path: '$.models.orders.query',
    })
    .build();
}

/** GitHub's light theme for `diff` blocks: whole lines tinted by their first character. */
const DIFF_CLASS: Record<string, string> = { '+': 'ins', '-': 'del', '!': 'chg' };

function toHtml(markdown: string): string {
  const md: MarkdownIt = new MarkdownIt({
    html: true,
    linkify: true,
    highlight: (code, lang) => {
      if (lang !== 'diff') return '';
      const rows = code.replace(/\n$/, '').split('\n');
      const html = rows
        .map((row) => `<span class="${DIFF_CLASS[row[0]] ?? 'ctx'}">${md.utils.escapeHtml(row)}</span>`)
        .join('\n');
      return `<pre class="diff"><code>${html}\n</code></pre>`;
    },
  });
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body { margin: 0; background: #fff; color: #1f2328; font: 14px/1.5 "DejaVu Sans", sans-serif; }
    /* A GitHub pull-request comment: 780 px of body, 16 px of padding. */
    .markdown-body { box-sizing: border-box; width: 780px; padding: 16px; overflow-wrap: break-word; }
    .markdown-body pre { padding: 16px; overflow: auto; font-size: 85%; line-height: 1.45; background: #f6f8fa;
      border-radius: 6px; white-space: pre; word-wrap: normal; }
    .markdown-body code { font-family: "DejaVu Sans Mono", monospace; }
    .markdown-body pre code { font-size: 100%; white-space: pre; }
    .markdown-body table { display: block; width: max-content; max-width: 100%; overflow: auto; border-collapse: collapse; }
    .markdown-body td, .markdown-body th { border: 1px solid #d1d9e0; padding: 6px 13px; }
    .markdown-body blockquote { margin: 0; padding: 0 1em; border-left: .25em solid #d1242f; }
    pre.diff .ins { background: #dafbe1; color: #116329; display: inline-block; min-width: 100%; }
    pre.diff .del { background: #ffebe9; color: #82071e; display: inline-block; min-width: 100%; }
    pre.diff .chg { background: #ffd8b5; color: #953800; display: inline-block; min-width: 100%; }
  </style></head><body><article class="markdown-body">${md.render(markdown)}</article></body></html>`;
}

/** Elements wider than their box (they would scroll sideways), as `tag: scrollWidth > clientWidth`. */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) out.push(`page: ${root.scrollWidth} > ${root.clientWidth}`);
    for (const el of Array.from(
      document.querySelectorAll('.markdown-body, pre, table, blockquote, details'),
    )) {
      if (el.scrollWidth > el.clientWidth)
        out.push(`${el.tagName.toLowerCase()}: ${el.scrollWidth} > ${el.clientWidth}`);
    }
    return out;
  });
}

const describeBrowser = browserAvailable() ? describe : describe.skip;
if (!browserAvailable()) console.warn('skipped: no Chromium at /usr/bin/chromium (apt-get install chromium)');

describeBrowser('the PR comment in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('fits a comment column with no sideways scrolling, errors first, changes coloured', async () => {
    const markdown = renderMarkdown(reviewPlan(), {
      context: {
        workspace: 'production',
        commit: '0123456789abcdef0123456789abcdef01234567',
        runUrl: 'https://github.com/acme/analytics/actions/runs/123456789',
      },
    });
    const html = toHtml(markdown);
    writeFileSync(artefactPath('pr-comment.html'), html);
    const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
    try {
      await page.setContent(html);
      // Open every diff, as a reviewer does.
      await page.evaluate(() =>
        document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')),
      );
      await page.screenshot({ path: artefactPath('pr-comment.png'), fullPage: true });

      expect(await overflowing(page)).toEqual([]);

      const top = (text: string) =>
        page.evaluate((t) => {
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode())
            if (n.textContent!.includes(t))
              return (n.parentElement as HTMLElement).getBoundingClientRect().top;
          return -1;
        }, text);
      const error = await top('does not compile');
      const fix = await top('Fix: rename the column');
      const summary = await top('Plan failed: 1 error.');
      expect(error).toBeGreaterThan(0);
      expect(fix).toBeGreaterThan(error);
      expect(summary).toBeGreaterThan(fix);

      // The edited clause of the long query: a red line and a green line.
      const colours = await page.evaluate(() =>
        Array.from(document.querySelectorAll('pre.diff span'))
          .filter((s) => /where o\.amount > (100|250)\s*$/.test(s.textContent!))
          .map((s) => [s.className, s.textContent!.trim()]),
      );
      expect(colours).toEqual([
        ['del', '-           where o.amount > 100'],
        ['ins', '+           where o.amount > 250'],
      ]);
      expect(await page.locator('pre.diff span.chg').count()).toBeGreaterThan(3);
      // The diagram is there for GitHub to draw (markdown-it leaves it as code).
      expect(await page.locator('code.language-mermaid').count()).toBe(1);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('the same measurement catches a line that would scroll (the check can fail)', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 400 } });
    try {
      await page.setContent(toHtml('```diff\n+ ' + 'x'.repeat(200) + '\n```'));
      expect((await overflowing(page)).some((o) => o.startsWith('pre:'))).toBe(true);
    } finally {
      await page.close();
    }
  }, 60_000);
});
