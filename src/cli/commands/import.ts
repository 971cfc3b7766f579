/**
 * `backflow import ADDR ID`: adopt an existing warehouse object for a resource the config declares (see
 * engine/import-resource.ts). Holds the state lock like any state write and writes the state once, with
 * the next serial; on any error nothing is written.
 */
import { importResource } from '../../engine/import-resource';
import { newState } from '../../state/state';
import { BACKFLOW_VERSION } from '../../version';
import { withWorkspace, type GlobalOptions } from '../workspace';

export async function importCommand(address: string, id: string, flags: GlobalOptions): Promise<number> {
  return withWorkspace(flags, 'import', async (ws) => {
    const prior = await ws.backend.read();
    const base = prior ?? newState(BACKFLOW_VERSION);
    process.stdout.write(`${address}: Importing from ID "${id}"...\n`);
    const record = await importResource({
      address,
      id,
      desired: ws.desired,
      state: base,
      connections: ws.connections,
    });
    await ws.backend.write({
      ...base,
      resources: { ...base.resources, [address]: record },
      serial: (prior?.serial ?? 0) + 1,
      backflow_version: BACKFLOW_VERSION,
    });
    process.stdout.write(
      `${address}: Import prepared!\n\nImport successful!\n\n` +
        'The resources that were imported are shown above. These resources are now in\n' +
        'your Backflow state and will henceforth be managed by Backflow.\n',
    );
    return 0;
  });
}
