/**
 * Reading run history: the ledgers of the managed schemas of the sources that the applied syncs use.
 * `runs list` merges them newest first; `runs show` finds one run and its rejected rows.
 */
import { getDialect } from '../adapters/warehouse/registry';
import type { Rejection, RunRecord } from '../adapters/warehouse/tracking';
import type { WarehouseAdapter } from '../adapters/warehouse/warehouse';
import { UserError } from '../errors';
import type { ResourceState, StateFile } from '../state/types';
import { revealFromState } from './reveal';
import { refName } from './run-target';

/** Source of each sync in state (through its model). */
function sourcesBySync(state: StateFile): Map<string, ResourceState> {
  const out = new Map<string, ResourceState>();
  for (const r of Object.values(state.resources)) {
    if (r.type !== 'sync') continue;
    const model = state.resources[`model.${refName(r.attributes.model, 'model')}`];
    const source = model && state.resources[`source.${refName(model.attributes.source, 'source')}`];
    if (source) out.set(r.name, source);
  }
  return out;
}

type Open = (source: ResourceState, settings: Record<string, unknown>) => Promise<WarehouseAdapter>;

const openSource: Open = (source, settings) =>
  getDialect(String(source.attributes.warehouse)).connect(settings);

async function withSource<T>(
  source: ResourceState,
  configDir: string,
  fn: (w: WarehouseAdapter, schema: string) => Promise<T>,
  open: Open = openSource,
): Promise<T> {
  const settings = revealFromState(
    source.attributes.settings,
    configDir,
    `source.${source.name}.settings`,
  ) as Record<string, unknown>;
  const w = await open(source, settings);
  try {
    return await fn(w, String(source.attributes.managed_schema ?? '__segment_reverse_etl'));
  } finally {
    await w.close().catch(() => undefined);
  }
}

export async function runHistory(
  state: StateFile,
  configDir: string,
  sync: string | undefined,
  limit: number,
  open?: Open,
): Promise<RunRecord[]> {
  const bySync = sourcesBySync(state);
  if (sync !== undefined && !bySync.has(sync)) {
    throw new UserError(
      `sync.${sync} is not in state`,
      `Syncs in state: ${[...bySync.keys()].join(', ') || '(none)'}.`,
    );
  }
  // Runs are recorded under the sync's tracking key, which `state mv` keeps when the sync is renamed.
  const key = sync === undefined ? undefined : (state.resources[`sync.${sync}`]?.tracking_key ?? sync);
  // One ledger per managed schema of a source: read each once.
  const sources = new Map<string, ResourceState>();
  for (const [name, source] of bySync)
    if (sync === undefined || name === sync) sources.set(source.name, source);
  const all: RunRecord[] = [];
  for (const source of sources.values()) {
    all.push(
      ...(await withSource(
        source,
        configDir,
        (w, schema) => w.tracking().listRuns(schema, key, limit),
        open,
      )),
    );
  }
  return all
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
    .slice(0, limit);
}

export async function runDetail(
  state: StateFile,
  configDir: string,
  runId: string,
  rejectionLimit: number,
  open?: Open,
): Promise<{ run: RunRecord; rejections: Rejection[] }> {
  const bySync = sourcesBySync(state);
  const seen = new Set<string>();
  for (const source of bySync.values()) {
    if (seen.has(source.name)) continue;
    seen.add(source.name);
    const found = await withSource(
      source,
      configDir,
      async (w, schema) => {
        const run = await w.tracking().getRun(schema, runId);
        if (!run) return undefined;
        const rejections = await w.tracking().rejections({ schema, sync: run.sync }, runId, rejectionLimit);
        return { run, rejections };
      },
      open,
    );
    if (found) return found;
  }
  throw new UserError(
    `No run ${runId} in the ledgers of this workspace's sources`,
    'List runs with `backflow runs list`.',
  );
}
