/** The dashboard's single page: plain DOM, no external assets, text set with textContent (never HTML). */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backflow runs</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#1c2430}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #dde}
.succeeded{color:#137333}.partial{color:#b06000}.failed{color:#c5221f}.running{color:#1a73e8}
tr.run{cursor:pointer}tr.run:hover{background:#f3f6fb}#chart rect{fill:#1a73e8}
</style></head><body>
<h1>Backflow runs <small id="serial"></small></h1>
<h2>Syncs</h2>
<table id="syncs"><thead><tr><th>sync</th><th>schedule</th><th>active</th><th>next run</th></tr></thead><tbody></tbody></table>
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
  for (const x of s.syncs) { const tr = document.createElement('tr'); cell(tr, x.name); cell(tr, x.schedule); cell(tr, x.active ? 'yes' : 'no'); cell(tr, x.nextFire ? new Date(x.nextFire).toLocaleString() : '—'); sb.appendChild(tr); }
  const r = await get('/api/runs?limit=50');
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
  const svg = document.getElementById('chart'); svg.textContent = '';
  const max = Math.max(1, ...runs.map((x) => sent(x) + rejected(x)));
  const w = 800 / Math.max(1, runs.length);
  runs.forEach((x, i) => {
    const h = Math.round(((sent(x) + rejected(x)) / max) * 140);
    const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    rect.setAttribute('x', String(i * w + 1)); rect.setAttribute('y', String(150 - h));
    rect.setAttribute('width', String(Math.max(1, w - 2))); rect.setAttribute('height', String(h));
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'title'); t.textContent = x.sync + ' ' + x.startedAt + ': ' + (sent(x) + rejected(x)) + ' rows';
    rect.appendChild(t); svg.appendChild(rect);
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
