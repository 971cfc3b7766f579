/** The dashboard's single page: plain DOM, no external assets, text set with textContent (never HTML). */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backflow runs</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#1c2430}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #dde}
.succeeded{color:#137333}.partial{color:#b06000}.failed{color:#c5221f}.running{color:#1a73e8}
tr.run{cursor:pointer}tr.run:hover{background:#f3f6fb}#chart rect.ok{fill:#1a73e8}#chart rect.bad{fill:#c5221f}#chart text{font-size:11px;fill:#667}
</style></head><body>
<h1>Backflow runs <small id="serial"></small></h1>
<h2>Syncs</h2>
<table id="syncs"><thead><tr><th>sync</th><th>schedule</th><th>active</th><th>next run</th><th>last run</th><th>last run started</th></tr></thead><tbody></tbody></table>
<h2>Rows per run</h2><svg id="chart" width="800" height="160" role="img" aria-label="rows per run"></svg>
<h2>Last runs</h2>
<table id="runs"><thead><tr><th>run</th><th>sync</th><th>status</th><th>trigger</th><th>started</th><th>added</th><th>changed</th><th>removed</th><th>rejected</th><th>duration</th></tr></thead><tbody></tbody></table>
<h2 id="detail-title" hidden>Rejected rows</h2>
<table id="rejections" hidden><thead><tr><th>record</th><th>operation</th><th>reason</th></tr></thead><tbody></tbody></table>
<script>
const token = new URLSearchParams(location.search).get('token');
const get = (p) => fetch(p, token ? { headers: { Authorization: 'Bearer ' + token } } : {}).then((r) => r.json());
const cell = (tr, text, cls) => { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); };
const rejected = (r) => r.rejected.add + r.rejected.change + r.rejected.remove + r.rejected.retry;
const sent = (r) => r.accepted.add + r.accepted.change + r.accepted.remove + r.accepted.retry;
async function load() {
  const s = await get('/api/syncs');
  document.getElementById('serial').textContent = 'state serial ' + s.serial;
  const sb = document.querySelector('#syncs tbody'); sb.textContent = '';
  const r = await get('/api/runs?limit=50');
  const last = new Map();
  for (const x of r.runs || []) if (!last.has(x.sync)) last.set(x.sync, x);
  for (const x of s.syncs) {
    const tr = document.createElement('tr'); tr.dataset.sync = x.name; if (x.nextFire) tr.dataset.nextFire = x.nextFire;
    cell(tr, x.name); cell(tr, x.schedule); cell(tr, x.active ? 'yes' : 'no'); cell(tr, x.nextFire ? new Date(x.nextFire).toLocaleString() : '—');
    const l = last.get(x.name); cell(tr, l ? l.status : '—', l && l.status); cell(tr, l ? new Date(l.startedAt).toLocaleString() : '—');
    sb.appendChild(tr);
  }
  const rb = document.querySelector('#runs tbody'); rb.textContent = '';
  for (const x of r.runs || []) {
    const tr = document.createElement('tr'); tr.className = 'run'; tr.dataset.run = x.runId;
    cell(tr, x.runId); cell(tr, x.sync); cell(tr, x.status, x.status); cell(tr, x.trigger); cell(tr, new Date(x.startedAt).toLocaleString());
    cell(tr, String(x.accepted.add)); cell(tr, String(x.accepted.change)); cell(tr, String(x.accepted.remove)); cell(tr, String(rejected(x)));
    cell(tr, x.durationMs === null ? 'running' : (x.durationMs / 1000).toFixed(1) + ' s');
    tr.addEventListener('click', () => detail(x.runId)); rb.appendChild(tr);
  }
  chart((r.runs || []).slice().reverse());
}
function chart(runs) {
  // Oldest run on the left; each bar is one run: accepted rows (blue) under rejected rows (red).
  const svg = document.getElementById('chart'); svg.textContent = '';
  const NS = 'http://www.w3.org/2000/svg';
  const max = Math.max(1, ...runs.map((x) => sent(x) + rejected(x)));
  const w = Math.min(40, 760 / Math.max(1, runs.length));
  const bar = (x, y, h, cls, label) => {
    const rect = document.createElementNS(NS, 'rect');
    rect.setAttribute('x', String(x)); rect.setAttribute('y', String(y));
    rect.setAttribute('width', String(Math.max(1, w - 2))); rect.setAttribute('height', String(h)); rect.setAttribute('class', cls);
    const t = document.createElementNS(NS, 'title'); t.textContent = label; rect.appendChild(t); svg.appendChild(rect);
  };
  const text = (x, y, s) => { const t = document.createElementNS(NS, 'text'); t.setAttribute('x', String(x)); t.setAttribute('y', String(y)); t.textContent = s; svg.appendChild(t); };
  text(0, 12, String(max)); text(0, 150, '0');
  runs.forEach((x, i) => {
    const ok = Math.round((sent(x) / max) * 140), bad = rejected(x) > 0 ? Math.max(2, Math.round((rejected(x) / max) * 140)) : 0;
    const label = x.sync + ' ' + x.startedAt + ': ' + sent(x) + ' rows accepted, ' + rejected(x) + ' rejected';
    bar(40 + i * w, 150 - ok, ok, 'ok', label);
    if (bad > 0) bar(40 + i * w, 150 - ok - bad, bad, 'bad', label);
  });
}
async function detail(id) {
  const d = await get('/api/runs/' + encodeURIComponent(id));
  const title = document.getElementById('detail-title'); title.hidden = false; title.textContent = 'Rejected rows of ' + id;
  const t = document.getElementById('rejections'); t.hidden = false;
  const b = t.querySelector('tbody'); b.textContent = '';
  for (const x of d.rejections || []) { const tr = document.createElement('tr'); cell(tr, x.recordId); cell(tr, x.op); cell(tr, x.reason); b.appendChild(tr); }
}
load().then(() => document.body.dataset.ready = '1');
</script></body></html>
`;
