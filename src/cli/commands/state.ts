/**
 * `backflow state list|show|rm` and `backflow force-unlock`: look at and repair state by hand.
 */
import { UserError } from '../../errors';
import { renderStateResourceHuman, toJsonStateResource } from '../../render/state';
import { moveResource } from '../../state/move';
import { askApproval } from '../approve';
import { withWorkspace, type GlobalOptions } from '../workspace';
import { BACKFLOW_VERSION } from '../../version';

export async function stateListCommand(flags: GlobalOptions): Promise<number> {
  return withWorkspace({ ...flags, readSecrets: false }, undefined, async (ws) => {
    const state = await ws.backend.read();
    for (const address of Object.keys(state?.resources ?? {}).sort()) process.stdout.write(`${address}\n`);
    return 0;
  });
}

export async function stateShowCommand(
  address: string,
  flags: GlobalOptions & { json?: boolean },
): Promise<number> {
  return withWorkspace({ ...flags, readSecrets: false }, undefined, async (ws) => {
    const state = await ws.backend.read();
    const r = state?.resources[address];
    if (!r)
      throw new UserError(
        `No instance found for the given address: ${address}`,
        'Run `backflow state list` to see what state holds.',
      );
    // One syntax: the block `backflow show` prints for it, or its entry of `show -json` (secrets removed).
    process.stdout.write(
      (flags.json
        ? JSON.stringify(toJsonStateResource(address, r), null, 2)
        : renderStateResourceHuman(address, r)) + '\n',
    );
    return 0;
  });
}

/** `state mv SRC DST`: a new address for a managed object; nothing in the real world changes. */
export async function stateMvCommand(from: string, to: string, flags: GlobalOptions): Promise<number> {
  return withWorkspace({ ...flags, readSecrets: false }, 'state mv', async (ws) => {
    const state = await ws.backend.read();
    if (state === null)
      throw new UserError(
        `No instance found for the given address: ${from}`,
        'This workspace has no state yet.',
      );
    const moved = moveResource(state, from, to);
    await ws.backend.write({ ...moved, serial: state.serial + 1, backflow_version: BACKFLOW_VERSION });
    process.stdout.write(`Move "${from}" to "${to}"\nSuccessfully moved 1 object(s).\n`);
    return 0;
  });
}

export async function stateRmCommand(addresses: string[], flags: GlobalOptions): Promise<number> {
  return withWorkspace({ ...flags, readSecrets: false }, 'state rm', async (ws) => {
    const state = await ws.backend.read();
    const missing = addresses.filter((a) => !state?.resources[a]);
    if (!state || missing.length > 0) {
      throw new UserError(
        `No instance found for the given address: ${missing.join(', ') || addresses.join(', ')}`,
        'Nothing was removed.',
      );
    }
    for (const a of addresses) delete state.resources[a];
    await ws.backend.write({ ...state, serial: state.serial + 1, backflow_version: BACKFLOW_VERSION });
    for (const a of addresses) process.stdout.write(`Removed ${a}\n`);
    process.stdout.write(`Successfully removed ${addresses.length} resource instance(s).\n`);
    return 0;
  });
}

export async function forceUnlockCommand(
  id: string,
  flags: GlobalOptions & { force?: boolean },
): Promise<number> {
  return withWorkspace({ ...flags, readSecrets: false }, undefined, async (ws) => {
    // Terraform asks first: removing a live process's lock lets two applies write the state at once.
    if (!flags.force) {
      const question = [
        'Do you really want to force-unlock?',
        '  Backflow will remove the lock on the remote state.',
        '  This will allow local Backflow commands to modify this state, even though it',
        '  may still be in use.',
      ].join('\n');
      const approved = await askApproval(question, 'Pass -force to unlock without a question (CI).');
      if (!approved) {
        process.stdout.write('\nForce-unlock cancelled.\n');
        return 1;
      }
    }
    await ws.backend.forceUnlock(id);
    process.stdout.write(
      'Backflow state has been successfully unlocked!\n\nThe state has been unlocked, and Backflow commands should now be able to obtain a new lock on the remote state.\n',
    );
    return 0;
  });
}
