/**
 * The engine API for programs (the package root, `backflow-etl`): read a folder's config and plan it, with
 * the same results as `backflow validate` and `backflow plan --json`. Loads no cdktf: the construct library
 * is `backflow-etl/constructs`. Warehouse drivers load when a plan first connects to a source of theirs.
 */
import { resolve } from 'node:path';
import { loadCdktfConfig } from './config/cdktf/load';
import type { DesiredState } from './config/desired';
import { detectFrontEnd } from './config/front-end';
import { loadConfig } from './config/load';
import { Connections } from './engine/connections';
import type { PlanMode } from './engine/plan';
import { planWorkspace } from './engine/plan-workspace';
import { toJsonPlan, type JsonPlan } from './render/json-plan';
import { openBackend } from './state/backends';

export interface FolderOptions {
  /** The folder holding backflow.json, *.backflow.json or a cdktf app's cdktf.json. */
  dir: string;
  /** Resolve secrets now (default false: config checks need no secret value). */
  readSecrets?: boolean;
  /** cdktf apps: only this stack. */
  stack?: string;
  /** cdktf apps: read this synth output instead of running the app. */
  synthDir?: string;
}

export interface Workspace {
  /** The cdktf stack; undefined for JSON config. */
  stack?: string;
  desired: DesiredState;
}

/** Reads and validates a folder's config: one workspace, or one per cdktf stack. Throws DiagnosticsError. */
export async function readWorkspaces(opts: FolderOptions): Promise<Workspace[]> {
  const dir = resolve(opts.dir);
  const readSecrets = opts.readSecrets === true;
  const cwd = process.cwd();
  if ((await detectFrontEnd(dir, { synthDir: opts.synthDir })) === 'json')
    return [{ desired: await loadConfig({ dir, cwd, readSecrets }) }];
  const stacks = await loadCdktfConfig({ dir, cwd, readSecrets, stack: opts.stack, synthDir: opts.synthDir });
  return stacks.map((s) => ({ stack: s.name, desired: s.desired }));
}

export interface PlanFolderOptions extends FolderOptions {
  mode?: PlanMode;
  targets?: string[];
  /** Read every source (default true); false trusts state and contacts no warehouse. */
  refresh?: boolean;
}

/**
 * Plans each workspace of a folder and returns the JSON plans (`backflow plan --json`'s documents). Reads
 * state without taking the lock, as `plan -lock=false` does: use the CLI to plan for an apply.
 */
export async function planFolder(opts: PlanFolderOptions): Promise<JsonPlan[]> {
  const out: JsonPlan[] = [];
  for (const { desired } of await readWorkspaces({ ...opts, readSecrets: true })) {
    const backend = openBackend(desired.backend, {});
    const connections = new Connections(desired.configDir);
    try {
      const prior = await backend.read();
      const options = {
        mode: opts.mode ?? 'normal',
        targets: opts.targets ?? [],
        refresh: opts.refresh !== false,
      };
      const { plan } = await planWorkspace(desired, prior, options, connections);
      out.push(toJsonPlan(plan));
    } finally {
      await connections.closeAll();
      await backend.close();
    }
  }
  return out;
}
