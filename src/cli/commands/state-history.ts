/**
 * `backflow state history` (the versions a backend keeps) and `backflow state rollback SERIAL` (writes a
 * kept version again, as a new serial, under the lock). The pg backend keeps every version; the local
 * backend keeps the current state and the one before it (`.backup`).
 */
import { hint } from '../automation';
import { UserError } from '../../errors';
import { renderTable } from '../../render/table';
import type { StateVersion } from '../../state/types';
import { BACKFLOW_VERSION } from '../../version';
import { withWorkspace, type GlobalOptions } from '../workspace';

const LOCAL_NOTE =
  'The local backend keeps the current state and the one before it (.backup); the pg backend keeps every version.';

export async function stateHistoryCommand(flags: GlobalOptions & { json?: boolean }): Promise<number> {
  return withWorkspace({ ...flags, readSecrets: false }, undefined, async (ws) => {
    const versions = await ws.backend.history();
    if (flags.json) {
      process.stdout.write(JSON.stringify({ backend: ws.backend.describe(), versions }) + '\n');
      return 0;
    }
    if (versions.length === 0) {
      process.stdout.write(`No state in ${ws.backend.describe()}.\n`);
      return 0;
    }
    const rows = versions.map((v) => ({
      serial: `${v.serial}${v.current ? ' (current)' : ''}`,
      lineage: v.lineage,
      written: v.created_at ?? '-',
      version: v.backflow_version ?? '-',
      resources: v.resources ?? '-',
    }));
    process.stdout.write(`State of ${ws.backend.describe()}:\n\n`);
    process.stdout.write(renderTable(['serial', 'lineage', 'written', 'version', 'resources'], rows) + '\n');
    if (ws.desired.backend.type === 'local') process.stdout.write(`\n${LOCAL_NOTE}\n`);
    hint('\nRestore a version with `backflow state rollback SERIAL`.\n');
    return 0;
  });
}

export async function stateRollbackCommand(serialText: string, flags: GlobalOptions): Promise<number> {
  const serial = Number(serialText);
  if (!/^\d+$/.test(serialText) || !Number.isSafeInteger(serial)) {
    throw new UserError(
      `state rollback takes a serial number, got "${serialText}"`,
      'Run `backflow state history` to see them.',
    );
  }
  return withWorkspace({ ...flags, readSecrets: false }, 'state rollback', async (ws) => {
    const where = ws.backend.describe();
    const versions = await ws.backend.history();
    const current = versions.find((v) => v.current);
    if (current === undefined) throw new UserError(`No state in ${where}: there is nothing to roll back`);
    const target = versions.some((v) => v.serial === serial) ? await ws.backend.readVersion(serial) : null;
    if (target === null) {
      const local = ws.desired.backend.type === 'local' ? ` ${LOCAL_NOTE}` : '';
      throw new UserError(
        `No state version with serial ${serial} in ${where}`,
        `Versions kept: ${listVersions(versions)}.${local}`,
      );
    }
    if (serial === current.serial) {
      process.stdout.write(`Serial ${serial} is already the current state of ${where}: nothing to do.\n`);
      return 0;
    }
    if (target.lineage !== current.lineage) {
      throw new UserError(
        `Refusing to roll back to serial ${serial}: it belongs to lineage ${target.lineage}, the current state to ${current.lineage}`,
        'A state of another lineage is another workspace. Use `backflow state migrate` to move workspaces.',
      );
    }
    // The write clears the journal of an interrupted apply: say what that discards.
    let discarded = 0;
    try {
      discarded = (await ws.backend.readWithRecovery()).recoveredJournalEntries;
    } catch {
      // The current state cannot be read, which is often why one rolls back.
    }
    const next = current.serial + 1;
    await ws.backend.write({ ...target, serial: next, backflow_version: BACKFLOW_VERSION });
    const count = Object.keys(target.resources).length;
    process.stdout.write(
      `Rolled back ${where} to serial ${serial}: written as serial ${next} (${count} resource${count === 1 ? '' : 's'}).\n` +
        `Serial ${current.serial} is kept${ws.desired.backend.type === 'local' ? ' as the backup' : ' in the history'}.\n\n` +
        'Run `backflow plan` to see how the real world differs from the restored state.\n',
    );
    if (discarded > 0) {
      process.stderr.write(
        `Warning: ${discarded} journaled action(s) of an interrupted apply were discarded; what they did shows up ` +
          'in the next plan as drift or changes.\n',
      );
    }
    return 0;
  });
}

function listVersions(versions: StateVersion[]): string {
  if (versions.length === 0) return 'none';
  return versions.map((v) => `${v.serial}${v.current ? ' (current)' : ''}`).join(', ');
}
