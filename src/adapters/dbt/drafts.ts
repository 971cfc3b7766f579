/**
 * One draft per model file, named and placed (fqn) as dbt does, then the properties YAML applied:
 * unversioned entries patch the file of the same name; versioned entries claim, for each version, the file
 * named by `defined_in` or `<name>_v<v>` — or, for the latest version only, `<name>` itself — which then
 * becomes model `<name>` version `<v>` with fqn `[..., <name>, v<v>]`.
 */
import type { CatalogWarning } from './catalog';
import { DbtLoadError } from './errors';
import { joinPath, type ProjectUnit } from './layout';
import type { ModelFileSummary } from './model-file';
import type { ModelPatch, ModelVersionId, PropertiesSummary, VersionSpec } from './properties';

export interface Draft {
  unit: ProjectUnit;
  pkg: string;
  /** Repository-relative path of the model file. */
  file: string;
  /** The file's name without extension (dbt's name for the model before versions are applied). */
  fileName: string;
  name: string;
  language: 'sql' | 'python';
  fqn: string[];
  /** The file relative to its model path, and to its project (dbt's `path`, `original_file_path`). */
  path: string;
  originalFilePath: string;
  summary: ModelFileSummary;
  version?: ModelVersionId;
  latestVersion?: ModelVersionId;
  patch?: ModelPatch;
  versionSpec?: VersionSpec;
}

/** dbt's ordering of versions: as numbers when both are numeric, else as strings. */
export function compareVersions(a: ModelVersionId, b: ModelVersionId): number {
  const fa = Number(a);
  const fb = Number(b);
  if (String(a).trim() !== '' && String(b).trim() !== '' && !Number.isNaN(fa) && !Number.isNaN(fb))
    return fa - fb;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function sameVersion(a: ModelVersionId | undefined, b: ModelVersionId | undefined): boolean {
  return a !== undefined && b !== undefined && (a === b || String(a) === String(b));
}

function draftsOf(unit: ProjectUnit, summaries: Map<string, ModelFileSummary>): Draft[] {
  const out: Draft[] = [];
  for (const file of unit.modelFiles) {
    const summary = summaries.get(file)!;
    const mp = unit.spec.modelPaths.find((p) => {
      const base = joinPath(unit.dir, p);
      return base === '' || file.startsWith(`${base}/`);
    })!;
    const base = joinPath(unit.dir, mp);
    const rel = (base === '' ? file : file.slice(base.length + 1)).split('/');
    const fileName = rel[rel.length - 1].replace(/\.(sql|py)$/, '');
    out.push({
      unit,
      pkg: unit.spec.name,
      file,
      fileName,
      name: fileName,
      language: summary.language,
      fqn: [unit.spec.name, ...rel.slice(0, -1), fileName],
      path: rel.join('/'),
      originalFilePath: unit.dir === '' ? file : file.slice(unit.dir.length + 1),
      summary,
    });
  }
  return out;
}

export function buildDrafts(
  units: ProjectUnit[],
  models: Map<string, ModelFileSummary>,
  properties: Map<string, PropertiesSummary>,
  warnings: CatalogWarning[],
): Draft[] {
  const all: Draft[] = [];
  for (const unit of units) {
    const drafts = draftsOf(unit, models);
    const byName = new Map<string, Draft>();
    for (const d of drafts) {
      const other = byName.get(d.fileName);
      if (other) {
        throw new DbtLoadError(
          `dbt found two models with the name "${d.fileName}" in project ${unit.spec.name}: ${other.file} and ${d.file}`,
          { file: d.file, hint: 'Rename one of them: model names must be unique within a project.' },
        );
      }
      byName.set(d.fileName, d);
    }
    applyPatches(unit, byName, properties, warnings);
    all.push(...drafts);
  }
  return all;
}

function applyPatches(
  unit: ProjectUnit,
  byName: Map<string, Draft>,
  properties: Map<string, PropertiesSummary>,
  warnings: CatalogWarning[],
): void {
  const seen = new Map<string, ModelPatch>();
  const claimed = new Set<Draft>();
  const noNode = (name: string, patch: ModelPatch, line = patch.line) =>
    warnings.push({
      file: patch.file,
      line,
      message: `Did not find matching node for patch with name '${name}' in the 'models' section of file '${patch.file}'`,
    });
  for (const file of unit.propertyFiles) {
    for (const patch of properties.get(file)!.patches) {
      const prior = seen.get(patch.name);
      if (prior) {
        throw new DbtLoadError(
          `dbt found two properties entries for model ${patch.name}: ${prior.file} line ${prior.line} and ${patch.file} line ${patch.line}; a model may only be described once`,
          { file: patch.file, line: patch.line, hint: `Remove one of the entries for ${patch.name}.` },
        );
      }
      seen.set(patch.name, patch);
      if (!patch.versions) {
        const d = byName.get(patch.name);
        if (!d || claimed.has(d)) noNode(patch.name, patch);
        else {
          d.patch = patch;
          claimed.add(d);
        }
        continue;
      }
      const latest =
        patch.latestVersion ??
        patch.versions.map((v) => v.v).reduce((a, b) => (compareVersions(b, a) > 0 ? b : a));
      for (const v of patch.versions) {
        const target = v.definedIn ?? `${patch.name}_v${v.v}`;
        let d = byName.get(target);
        if ((!d || claimed.has(d)) && sameVersion(v.v, latest)) d = byName.get(patch.name);
        if (!d || claimed.has(d)) {
          noNode(target, patch, v.line);
          continue;
        }
        claimed.add(d);
        d.name = patch.name;
        d.version = v.v;
        d.latestVersion = latest;
        d.patch = patch;
        d.versionSpec = v;
        d.fqn = [...d.fqn.slice(0, -1), patch.name, `v${v.v}`];
      }
    }
  }
}
