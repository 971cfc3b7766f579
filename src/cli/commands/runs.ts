/**
 * `backflow sync run SYNC [--full-resync] [--dry-run]`, `backflow runs list [SYNC]`, `backflow runs show RUN`.
 * Runs use the applied state (what runs is what was applied), read without taking the state lock: a run
 * never changes state, and its own per-sync lock keeps runs of one sync apart.
 */
import { UserError } from '../../errors';
import { dryRunSync, runDetail, runHistory, runLocksFor, runSync } from '../../runs';
import type { RunRecord } from '../../adapters/warehouse/tracking';
import { planLine, progressLine, runDetailText, runSummary, runsTable } from '../../render/runs';
import { renderTable } from '../../render/table';
import type { StateFile } from '../../state/types';
import { withWorkspace, type GlobalOptions } from '../workspace';

function syncName(arg: string): string {
  return arg.startsWith('sync.') ? arg.slice('sync.'.length) : arg;
}

async function appliedState(ws: { backend: { read(): Promise<StateFile | null> } }): Promise<StateFile> {
  const state = await ws.backend.read();
  if (state === null || Object.keys(state.resources).length === 0) {
    throw new UserError(
      'Nothing is applied in this workspace yet',
      'Run `backflow apply` first: runs use what was applied.',
    );
  }
  return state;
}

/** A progress bar redrawn in place on a terminal; plain lines at most every 2 s otherwise. */
function progressPrinter(): { update(run: RunRecord): void; done(): void } {
  const tty = Boolean(process.stderr.isTTY);
  // Without a terminal, short runs print no progress lines at all; long ones one every 2 s.
  let last = tty ? 0 : Date.now();
  let drawn = false;
  return {
    update(run) {
      const now = Date.now();
      if (tty) {
        if (now - last < 100) return;
        last = now;
        process.stderr.write(`\r${progressLine(run)}`);
        drawn = true;
      } else if (now - last >= 2000) {
        last = now;
        process.stderr.write(`${progressLine(run)}\n`);
      }
    },
    done() {
      if (tty && drawn) process.stderr.write('\r\x1b[2K');
    },
  };
}

export async function syncRunCommand(
  sync: string,
  flags: GlobalOptions & { fullResync?: boolean; dryRun?: boolean; json?: boolean },
): Promise<number> {
  return withWorkspace(flags, undefined, async (ws) => {
    const state = await appliedState(ws);
    const locks = runLocksFor(ws.desired.backend);
    const name = syncName(sync);
    if (flags.dryRun) {
      const d = await dryRunSync({
        state,
        sync: name,
        configDir: ws.desired.configDir,
        locks,
        trigger: 'dry-run',
        fullResync: flags.fullResync,
      });
      if (flags.json) {
        process.stdout.write(JSON.stringify({ dry_run: true, sync: name, ...d }) + '\n');
        return 0;
      }
      process.stdout.write(`Dry run of sync.${name}: nothing is sent or recorded.\n${planLine(d.counts)}\n`);
      if (d.samples.length > 0) {
        process.stdout.write(
          `\nSample:\n${renderTable(
            ['op', 'record_id', 'fields'],
            d.samples.map((s) => ({ op: s.op, record_id: s.recordId, fields: s.fields ?? '' })),
          )}\n`,
        );
      }
      return 0;
    }
    const stop = new AbortController();
    const onSignal = () => {
      process.stderr.write(
        '\nStopping: batches in flight finish and are recorded; the next run resumes the rest.\n',
      );
      stop.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const progress = progressPrinter();
    try {
      const result = await runSync({
        state,
        sync: name,
        configDir: ws.desired.configDir,
        locks,
        trigger: 'manual',
        fullResync: flags.fullResync,
        signal: stop.signal,
        events: {
          onStart: (run, resumed) => {
            if (resumed)
              process.stderr.write(`Resuming run ${run.runId}, left unfinished by a process that stopped.\n`);
          },
          onPlanned: (p) => process.stderr.write(`${planLine(p)}\n`),
          onProgress: (run) => progress.update(run),
          onRetry: (why, ms, rateLimited) =>
            process.stderr.write(
              `${rateLimited ? 'Rate limited' : 'Retrying'} in ${Math.round(ms)} ms: ${why}\n`,
            ),
        },
      });
      progress.done();
      if (flags.json) process.stdout.write(JSON.stringify(result.run) + '\n');
      else process.stdout.write(runSummary(result.run, flags.color) + '\n');
      if (result.stopped) return 130;
      return result.run.status === 'succeeded' ? 0 : result.run.status === 'partial' ? 0 : 1;
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  });
}

export async function runsListCommand(
  sync: string | undefined,
  flags: GlobalOptions & { json?: boolean; limit?: string },
): Promise<number> {
  const limit = flags.limit === undefined ? 20 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) {
    throw new UserError(`--limit must be a whole number from 1 to 10000, got "${flags.limit}"`);
  }
  return withWorkspace(flags, undefined, async (ws) => {
    const state = await appliedState(ws);
    const runs = await runHistory(
      state,
      ws.desired.configDir,
      sync === undefined ? undefined : syncName(sync),
      limit,
    );
    if (flags.json) process.stdout.write(JSON.stringify(runs) + '\n');
    else process.stdout.write(runsTable(runs, flags.color) + '\n');
    return 0;
  });
}

export async function runsShowCommand(
  runId: string,
  flags: GlobalOptions & { json?: boolean },
): Promise<number> {
  return withWorkspace(flags, undefined, async (ws) => {
    const state = await appliedState(ws);
    const { run, rejections } = await runDetail(state, ws.desired.configDir, runId, 100);
    if (flags.json) process.stdout.write(JSON.stringify({ ...run, rejections }) + '\n');
    else process.stdout.write(runDetailText(run, rejections, flags.color) + '\n');
    return 0;
  });
}
