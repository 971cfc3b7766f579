/**
 * `backflow source test NAME` (connect, check the managed schema and grants) and
 * `backflow source setup-sql NAME` (the least-privilege setup an admin runs).
 */
import { getDialect } from '../../adapters/warehouse/registry';
import { UserError } from '../../errors';
import type { DesiredResource } from '../../config/desired';
import { isSensitive } from '../../config/secrets';
import { Connections } from '../../engine/connections';
import { schemasModelsRead } from '../../engine/read-schemas';
import { withWorkspace, loadDesired, type GlobalOptions } from '../workspace';

function findSource(resources: Map<string, DesiredResource>, name: string): DesiredResource {
  const r = resources.get(name.startsWith('source.') ? name : `source.${name}`);
  if (!r) {
    const names = [...resources.values()].filter((x) => x.type === 'source').map((x) => x.name);
    throw new UserError(
      `No source "${name}" in the configuration`,
      names.length ? `Sources: ${names.join(', ')}` : undefined,
    );
  }
  return r;
}

export async function sourceTestCommand(name: string, flags: GlobalOptions): Promise<number> {
  return withWorkspace(flags, undefined, async (ws) => {
    const r = findSource(ws.desired.resources, name);
    const adapter = await ws.connections.get(r.address, r.attributes);
    const info = await adapter.testConnection();
    const schema = String(r.attributes.managed_schema);
    const grants = await adapter.checkGrants(schema);
    process.stdout.write(
      `${r.address}: connected to ${String(r.attributes.warehouse)} ${info.server_version}\n`,
    );
    process.stdout.write(`  user ${info.current_user}, database ${info.database}\n`);
    process.stdout.write(
      `  managed schema ${schema}: ${grants.schema_exists ? 'exists' : 'not created yet (apply creates it)'}\n`,
    );
    if (grants.missing_grants.length === 0) {
      process.stdout.write('  grants: all present\n');
      return 0;
    }
    process.stdout.write(
      `  grants: missing — ask an admin to run:\n${grants.missing_grants.map((g) => `    ${g}`).join('\n')}\n`,
    );
    return 1;
  });
}

export async function sourceSetupSqlCommand(name: string, flags: GlobalOptions): Promise<number> {
  const desired = await loadDesired(flags);
  const r = findSource(desired.resources, name);
  // Read grants on what the models read: their SQL's schemas, and their dbt relations when the dbt
  // project can be read without network. Nothing here connects to the warehouse.
  const connections = new Connections(desired.configDir);
  let read: Awaited<ReturnType<typeof schemasModelsRead>>;
  try {
    read = await schemasModelsRead(desired, r, connections);
  } finally {
    await connections.closeAll();
  }
  for (const note of read.notes) process.stdout.write(`-- Note: ${note}\n`);
  // Setup SQL never needs a secret: the admin chooses the password, so references are left out.
  const settings = Object.fromEntries(
    Object.entries(r.attributes.settings as Record<string, unknown>).filter(([, v]) => !isSensitive(v)),
  );
  process.stdout.write(
    getDialect(String(r.attributes.warehouse)).setupSql(
      settings,
      String(r.attributes.managed_schema),
      read.reads,
    ) + '\n',
  );
  return 0;
}
