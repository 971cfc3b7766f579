/**
 * Sources: a create or update checks the connection, creates the managed schema Backflow owns and checks
 * the grants it needs. Deleting a source forgets it; the managed schema stays (it may hold other
 * workspaces' snapshots, and dropping warehouse schemas is an admin's call).
 */
import { UserError } from '../../errors';
import type { ActionContext, ResourceActions } from './types';

async function ensure(ctx: ActionContext): Promise<Record<string, unknown>> {
  const r = ctx.desired!;
  const adapter = await ctx.connections.get(r.address, r.attributes);
  const info = await adapter.testConnection();
  const schema = String(r.attributes.managed_schema);
  await adapter.ensureManagedSchema(schema);
  const grants = await adapter.checkGrants(schema);
  if (grants.missing_grants.length > 0) {
    throw new UserError(
      `${r.address}: the warehouse user lacks grants Backflow needs`,
      `Ask an admin to run:\n${grants.missing_grants.map((g) => `  ${g}`).join('\n')}\n(\`backflow source setup-sql ${r.name}\` prints the full setup.)`,
    );
  }
  return {
    server_version: info.server_version,
    current_user: info.current_user,
    database: info.database,
    managed_schema_exists: true,
  };
}

export const sourceActions: ResourceActions = {
  // The managed schema is created with IF NOT EXISTS and shared by design: nothing to orphan.
  createsExternalObject: false,
  create: ensure,
  update: ensure,
  delete: async () => undefined,
};
