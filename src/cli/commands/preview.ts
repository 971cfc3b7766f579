/**
 * `backflow preview MODEL --limit N`: run a model's SQL on its warehouse with a row limit (read-only).
 */
import { UserError } from '../../errors';
import { modelSql, sourceAddressOf } from '../../engine/model-sql';
import { withWorkspace, type GlobalOptions } from '../workspace';
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
    const sql = modelSql(r.attributes);
    if (sql === undefined)
      throw new UserError(
        `${address}: preview of dbt-backed models needs the Git sync adapter, not in this version yet`,
      );
    const sourceAddress = sourceAddressOf(r.attributes);
    const source = ws.desired.resources.get(sourceAddress)!;
    const adapter = await ws.connections.get(sourceAddress, source.attributes);
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
