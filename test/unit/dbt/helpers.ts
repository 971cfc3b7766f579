/**
 * Helpers for dbt loader tests: an in-memory ProjectFiles (inline fixture trees), temp copies of the
 * fixture repository, and running a load expecting a DbtLoadError.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DbtLoadError,
  loadDbtProject,
  type DbtCatalog,
  type DbtModel,
  type LoadOptions,
  type ProjectFiles,
} from '../../../src/adapters/dbt';

export const FIXTURES = join(__dirname, '../../fixtures/dbt');
export const JAFFLE = join(FIXTURES, 'jaffle');

/** A repository held in memory: path → text. Counts reads, so tests can see what was re-read. */
export function memoryFiles(tree: Record<string, string>): ProjectFiles & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async list() {
      return Object.keys(tree).sort();
    },
    async read(path) {
      if (!(path in tree)) throw new Error(`no such file: ${path}`);
      reads.push(path);
      return tree[path];
    },
    async id(path) {
      return createHash('sha1')
        .update(tree[path] ?? '')
        .digest('hex');
    },
  };
}

export const BASE: LoadOptions = { projectPath: '.', defaultSchema: 'analytics', dbtVersion: '1.7' };

/** A minimal project with the given extra files. */
export function project(files: Record<string, string>, name = 'shop'): Record<string, string> {
  return { 'dbt_project.yml': `name: ${name}\nversion: '1.0'\nconfig-version: 2\n`, ...files };
}

export async function load(
  tree: Record<string, string>,
  opts: Partial<LoadOptions> = {},
): Promise<DbtCatalog> {
  return (await loadDbtProject(memoryFiles(tree), { ...BASE, ...opts })).catalog;
}

/** Loads, expecting a DbtLoadError; returns it. */
export async function loadError(
  tree: Record<string, string>,
  opts: Partial<LoadOptions> = {},
): Promise<DbtLoadError> {
  try {
    await load(tree, opts);
  } catch (err) {
    if (err instanceof DbtLoadError) return err;
    throw err;
  }
  throw new Error('expected a DbtLoadError, the load succeeded');
}

/**
 * Loads, expecting the load to succeed with model `name` unresolved: returns its reason (which starts with
 * the file and line) and the catalog's warnings.
 */
export async function unresolved(
  tree: Record<string, string>,
  name: string,
  opts: Partial<LoadOptions> = {},
): Promise<{ reason: string; warnings: string[]; catalog: DbtCatalog }> {
  const catalog = await load(tree, opts);
  const m = catalog.models.find((x) => x.name === name);
  if (!m) throw new Error(`no model ${name}`);
  if (m.relation) throw new Error(`model ${name} resolved to ${JSON.stringify(m.relation)}`);
  return {
    reason: m.unresolvedReason ?? '',
    warnings: catalog.warnings.map((w) => `${w.file ?? ''}${w.line ? ` line ${w.line}` : ''}: ${w.message}`),
    catalog,
  };
}

export function byId(catalog: DbtCatalog, id: string): DbtModel {
  const m = catalog.models.find((x) => x.uniqueId === id);
  if (!m) throw new Error(`no model ${id}; have ${catalog.models.map((x) => x.uniqueId).join(', ')}`);
  return m;
}

/** `db.schema.name`, `schema.name`, or `(none: reason)`. */
export function rel(m: DbtModel): string {
  if (!m.relation) return `(none: ${m.unresolvedReason})`;
  return [m.relation.database, m.relation.schema, m.relation.name].filter((x) => x !== undefined).join('.');
}

const temps: string[] = [];

/** A throw-away copy of a fixture folder (for tests that change files). */
export function tempCopy(src: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'backflow-dbt-'));
  temps.push(dir);
  cpSync(src, dir, { recursive: true });
  return dir;
}

export function cleanTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}
