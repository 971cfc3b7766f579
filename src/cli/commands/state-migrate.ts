/**
 * `backflow state migrate --to-config DIR | --from-config DIR`: moves a workspace's state between backends.
 * One side is this workspace's backend (`-c`), the other the `backend` block of the config in DIR (a folder
 * holding at least `{ "backend": { ... } }`). Both are locked; the state is read from the source with any
 * interrupted apply's journal folded in, and written to the target with its lineage, so saved plans and
 * history stay meaningful. The target must be empty or hold an older serial of the same lineage: a state of
 * another lineage is another workspace, never overwritten. The source is left as it was.
 */
import { UserError } from '../../errors';
import { openBackend } from '../../state/backends';
import type { LockHandle, StateBackend } from '../../state/types';
import { loadDesired, parseDuration, type GlobalOptions } from '../workspace';

export interface MigrateFlags extends GlobalOptions {
  toConfig?: string;
  fromConfig?: string;
}

export async function stateMigrateCommand(flags: MigrateFlags): Promise<number> {
  if ((flags.toConfig === undefined) === (flags.fromConfig === undefined)) {
    throw new UserError(
      'state migrate needs exactly one of --to-config DIR or --from-config DIR',
      "--to-config DIR moves this workspace's state to the backend configured in DIR; --from-config DIR " +
        "brings the state of the backend configured in DIR into this workspace's backend.",
    );
  }
  const here = await loadDesired({ ...flags, readSecrets: false });
  const there = await loadDesired({
    ...flags,
    config: flags.toConfig ?? flags.fromConfig,
    readSecrets: false,
  });
  const [from, to] =
    flags.toConfig !== undefined ? [here.backend, there.backend] : [there.backend, here.backend];
  const options = { lockTimeoutMs: parseDuration(flags.lockTimeout) };
  const source = openBackend(from, options);
  const target = openBackend(to, options);
  const locks: LockHandle[] = [];
  try {
    if (source.describe() === target.describe()) {
      throw new UserError(`The source and the target are the same backend: ${source.describe()}`);
    }
    if (flags.lock !== false) {
      locks.push(await source.lock('state migrate'));
      locks.push(await target.lock('state migrate'));
    }
    return await migrate(source, target);
  } finally {
    for (const lock of locks.reverse()) await lock.release();
    await source.close();
    await target.close();
  }
}

async function migrate(source: StateBackend, target: StateBackend): Promise<number> {
  const { state, recoveredJournalEntries } = await source.readWithRecovery();
  if (state === null) throw new UserError(`No state in ${source.describe()}: there is nothing to migrate`);
  // What an interrupted apply journaled is part of the state now: that makes a new version.
  const serial = state.serial + (recoveredJournalEntries > 0 ? 1 : 0);
  const existing = await target.read();
  if (existing !== null) {
    if (existing.lineage !== state.lineage) {
      throw new UserError(
        `Refusing to migrate: ${target.describe()} already holds another workspace's state (lineage ` +
          `${existing.lineage}, serial ${existing.serial}); the state to migrate is lineage ${state.lineage}`,
        'Migrating would overwrite it. Choose an empty target (another "workspace" or "schema" for pg, another ' +
          '"path" for local), or remove that state first if you are sure it is not needed.',
      );
    }
    if (existing.serial === serial) {
      process.stdout.write(
        `${target.describe()} already holds serial ${serial} of this state: nothing to migrate.\n`,
      );
      return 0;
    }
    if (existing.serial > serial) {
      throw new UserError(
        `Refusing to migrate: ${target.describe()} is ahead (serial ${existing.serial}) of the state to migrate (serial ${serial})`,
        'The target was applied to after an earlier migration. Use it as it is, or roll it back there.',
      );
    }
  }
  await target.write({ ...state, serial });
  const count = Object.keys(state.resources).length;
  process.stdout.write(
    `Migrated the state (lineage ${state.lineage}, serial ${serial}, ${count} resource${count === 1 ? '' : 's'})\n` +
      `  from: ${source.describe()}\n  to:   ${target.describe()}\n\n` +
      'The source was left as it was. Point the configuration at the new backend (its "backend" block), check ' +
      'that `backflow plan` shows no changes, then remove the old state.\n',
  );
  return 0;
}
