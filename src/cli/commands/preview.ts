/**
 * `backflow preview MODEL --limit N`: run a model's SQL on its warehouse with a row limit (read-only).
 * A dbt-backed model reads its relation as resolved from the Git sync's current commit (fetched as
 * `models list` fetches it), which is what the next plan and apply will use.
 */
import { UserError } from '../../errors';
import type { WarehouseAdapter } from '../../adapters/warehouse/warehouse';
import { dbtModelRef, resolveDbtModel } from '../../engine/dbt-models';
import { modelSql, sourceAddressOf } from '../../engine/model-sql';
import { linkLookup } from '../git-sync-lookup';
import { withWorkspace, type GlobalOptions, type Workspace } from '../workspace';
import { renderTable } from '../../render/table';

export async function previewCommand(
  model: string,
  flags: GlobalOptions & { limit?: string; json?: boolean },
): Promise<number> {
  const limit = flags.limit === undefined ? 10 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000)
    throw new UserError(`--limit must be a whole number from 1 to 10000, got "${flags.limit}"`);
  return withWorkspace(flags, undefined, async (ws) => {
    const address = model.startsWith('model.') ? model : `model.${model}`;
    const r = ws.desired.resources.get(address);
    if (!r) {
      const names = [...ws.desired.resources.values()].filter((x) => x.type === 'model').map((x) => x.name);
      throw new UserError(
        `No model "${model}" in the configuration`,
        names.length ? `Models: ${names.join(', ')}` : undefined,
      );
    }
    const sourceAddress = sourceAddressOf(r.attributes);
    const source = ws.desired.resources.get(sourceAddress)!;
    const adapter = await ws.connections.get(sourceAddress, source.attributes);
    const sql =
      modelSql(r.attributes) ??
      (await dbtModelSql(ws, address, r.attributes, source.attributes.warehouse, adapter));
    const result = await adapter.preview(sql, limit);
    if (flags.json) process.stdout.write(JSON.stringify(result) + '\n');
    else
      process.stdout.write(
        renderTable(
          result.columns.map((c) => c.name),
          result.rows,
        ) + `\n(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}, limit ${limit})\n`,
      );
    return 0;
  });
}

/** `select * from` the relation a dbt-backed model resolves to at its Git sync's current commit. */
async function dbtModelSql(
  ws: Workspace,
  address: string,
  attributes: Record<string, unknown>,
  warehouse: unknown,
  adapter: WarehouseAdapter,
): Promise<string> {
  const ref = dbtModelRef(attributes);
  if (!ref) throw new UserError(`${address}: the model has neither a query nor a dbt_model`);
  const gitAddress = `git_sync.${ref.git_sync}`;
  const git = ws.desired.resources.get(gitAddress)!; // validation: a model's git_sync exists
  const synced = await ws.connections.dbt.sync(gitAddress, git.attributes, linkLookup(ws), warehouse);
  const res = resolveDbtModel(ref, attributes.primary_key, synced.catalog);
  if (!res.ok) throw new UserError(`${address}: ${res.summary}`, res.detail);
  const { database, schema, name } = res.relation;
  process.stderr.write(
    `${address}: dbt model "${ref.name}" is ${[database, schema, name].filter(Boolean).join('.')} ` +
      `at commit ${synced.commit.slice(0, 12)} (${res.resolution})\n`,
  );
  return adapter.selectAll(res.relation);
}
