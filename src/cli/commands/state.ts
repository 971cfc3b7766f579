/**
 * `backflow state list|show|rm` and `backflow force-unlock`: look at and repair state by hand.
 */
import { UserError } from '../../errors';
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
    if (flags.json) {
      process.stdout.write(JSON.stringify({ address, ...r }, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(
      `# ${address}:\nresource "${r.type}" "${r.name}" ${JSON.stringify({ ...r.attributes, ...r.computed }, masked, 2)}\n`,
    );
    return 0;
  });
}

/** JSON.stringify replacer that prints secret markers as Terraform does. */
function masked(_key: string, value: unknown): unknown {
  return typeof value === 'object' && value !== null && '$sensitive' in value ? '(sensitive value)' : value;
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

export async function forceUnlockCommand(id: string, flags: GlobalOptions): Promise<number> {
  return withWorkspace({ ...flags, readSecrets: false }, undefined, async (ws) => {
    await ws.backend.forceUnlock(id);
    process.stdout.write(
      'Backflow state has been successfully unlocked!\n\nThe state has been unlocked, and Backflow commands should now be able to obtain a new lock on the remote state.\n',
    );
    return 0;
  });
}
