/**
 * Sync runs for people: the summary `sync run` prints, the progress line, `runs list` and `runs show`.
 * Pure functions from ledger records to text; the CLI decides where it goes.
 */
import pc from 'picocolors';
import type { OpCounts, PlanCounts, Rejection, RunRecord, RunStatus } from '../adapters/warehouse/tracking';
import { renderTable } from './table';
import { sanitize } from './text';

const total = (c: OpCounts) => c.add + c.change + c.remove + c.retry;

function status(s: RunStatus, color: boolean): string {
  if (!color) return s;
  return s === 'succeeded'
    ? pc.green(s)
    : s === 'partial'
      ? pc.yellow(s)
      : s === 'failed'
        ? pc.red(s)
        : pc.cyan(s);
}

function seconds(run: RunRecord): string {
  if (!run.finishedAt) return '';
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)}s` : '';
}

export function counts(c: OpCounts): string {
  return `${c.add} added, ${c.change} changed, ${c.remove} removed, ${c.retry} retried`;
}

export function planLine(p: PlanCounts): string {
  const extra = [
    p.nullKeys > 0 ? `${p.nullKeys} rows with a null primary key skipped` : '',
    p.duplicateKeys > 0 ? `${p.duplicateKeys} duplicate primary keys rejected` : '',
  ].filter(Boolean);
  return `Planned: ${counts(p.planned)}${extra.length ? ` (${extra.join('; ')})` : ''}.`;
}

/** `[#######.......]  45% 450/1000 sent · 440 accepted · 10 rejected` */
export function progressLine(run: RunRecord, width = 24): string {
  const planned = total(run.planned);
  const done = total(run.accepted) + total(run.rejected);
  const share = planned === 0 ? 1 : Math.min(1, done / planned);
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${done}/${planned} answered · ${total(run.accepted)} accepted · ${total(run.rejected)} rejected`;
}

export function runSummary(run: RunRecord, color: boolean): string {
  const lines = [
    `Run ${run.runId} of sync.${run.sync}: ${status(run.status, color)}${run.finishedAt ? ` in ${seconds(run)}` : ''}.`,
    `  planned:  ${counts(run.planned)}`,
    `  accepted: ${counts(run.accepted)}`,
    `  rejected: ${counts(run.rejected)}`,
  ];
  if (run.nullKeys > 0) lines.push(`  skipped:  ${run.nullKeys} rows with a null primary key`);
  if (run.duplicateKeys > 0) lines.push(`  refused:  ${run.duplicateKeys} duplicate primary keys (not sent)`);
  if (run.error) lines.push(`  ${run.status === 'failed' ? 'error' : 'note'}:    ${sanitize(run.error)}`);
  return lines.join('\n');
}

export function runsTable(runs: readonly RunRecord[], color: boolean): string {
  if (runs.length === 0) return 'No runs yet. Start one with `backflow sync run SYNC`.';
  const rows = runs.map((r) => ({
    run: r.runId,
    sync: r.sync,
    trigger: r.trigger,
    status: r.status,
    started: r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    duration: seconds(r),
    added: r.accepted.add,
    changed: r.accepted.change,
    removed: r.accepted.remove,
    retried: r.accepted.retry,
    rejected: total(r.rejected),
    error: r.error ? (r.error.length > 60 ? `${r.error.slice(0, 59)}…` : r.error) : '',
  }));
  const table = renderTable(Object.keys(rows[0]), rows);
  return color
    ? table.replace(/\| (succeeded|partial|failed|running) /g, (_m, s: RunStatus) => `| ${status(s, true)} `)
    : table;
}

export function runDetailText(run: RunRecord, rejections: readonly Rejection[], color: boolean): string {
  const out = [runSummary(run, color), `  trigger:  ${run.trigger}`, `  started:  ${run.startedAt}`];
  if (run.finishedAt) out.push(`  finished: ${run.finishedAt}`);
  if (rejections.length > 0) {
    out.push('', `Rejected rows (${rejections.length}${rejections.length >= 100 ? ', first 100' : ''}):`);
    out.push(
      renderTable(
        ['record_id', 'op', 'reason'],
        rejections.map((r) => ({ record_id: r.recordId, op: r.op, reason: r.reason })),
      ),
    );
  }
  return out.join('\n');
}
