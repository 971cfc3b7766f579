/**
 * `dbt_project.yml`: the project's name, where its models and macros live, its vars, and the hierarchical
 * `models:` configs (`+schema`, `+alias`, `+database`, `+enabled`, `+materialized`, or the same keys without
 * `+`), kept as a tree keyed by project name then folder, with the line of every value.
 */
import { isConfigKey, type ConfigEntry, type ConfigKey } from './config-values';
import { DbtLoadError } from './errors';
import { asMap, parseYamlFile, type YamlFile } from './yaml/yaml-file';

export interface ConfigTreeNode {
  configs: Partial<Record<ConfigKey, ConfigEntry>>;
  children: Record<string, ConfigTreeNode>;
}

export interface ProjectSpec {
  /** Repository-relative path of this dbt_project.yml. */
  file: string;
  name: string;
  /** Relative to the project folder, POSIX, without `./` or a trailing `/` ('' = the project folder). */
  modelPaths: string[];
  macroPaths: string[];
  packagesInstallPath: string;
  vars: Record<string, unknown>;
  /** The `models:` block. Configs at its top apply to every project; children are keyed by project name. */
  models: ConfigTreeNode;
  /** `dispatch:` (read from the root project only, as dbt does): macro_namespace → search_order. */
  dispatch: Record<string, string[]>;
}

const PROJECT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function normaliseRelPath(p: string): string {
  let s = p.replace(/\\/g, '/').trim();
  while (s.startsWith('./')) s = s.slice(2);
  s = s.replace(/\/+$/, '');
  return s === '.' ? '' : s;
}

function pathList(doc: YamlFile, root: Record<string, unknown>, key: string, dflt: string[]): string[] {
  const v = root[key];
  if (v === undefined || v === null) return dflt;
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
    throw new DbtLoadError(`${key} must be a list of folder names`, {
      file: doc.file,
      line: doc.line(root, key),
    });
  }
  return list.map(normaliseRelPath);
}

function buildTree(doc: YamlFile, map: Record<string, unknown>, path: string[]): ConfigTreeNode {
  const node: ConfigTreeNode = { configs: {}, children: {} };
  for (const [key, value] of Object.entries(map)) {
    const line = doc.line(map, key);
    const plus = key.startsWith('+');
    const name = plus ? key.slice(1) : key;
    const child = asMap(value);
    if (!plus && child) {
      node.children[key] = buildTree(doc, child, [...path, key]);
    } else if (isConfigKey(name)) {
      node.configs[name] = {
        raw: { yaml: value },
        origin: { kind: 'dbt_project.yml', file: doc.file, line, path: path.join('.') },
      };
    }
  }
  return node;
}

export function parseProjectYml(text: string, file: string): ProjectSpec {
  const doc = parseYamlFile(text, file);
  const root = asMap(doc.value);
  if (!root) {
    throw new DbtLoadError('dbt_project.yml must be a mapping with at least a name', {
      file,
      line: 1,
      hint: 'See https://docs.getdbt.com/reference/dbt_project.yml',
    });
  }
  const name = root.name;
  if (typeof name !== 'string' || !PROJECT_NAME.test(name)) {
    throw new DbtLoadError(
      name === undefined
        ? 'dbt_project.yml has no name'
        : `the project name ${JSON.stringify(name)} is not valid: use letters, digits and underscores`,
      { file, line: doc.line(root, 'name') ?? 1, hint: 'Set `name:` in dbt_project.yml, as dbt requires.' },
    );
  }
  const vars = root.vars === undefined || root.vars === null ? {} : asMap(root.vars);
  if (!vars) throw new DbtLoadError('vars must be a mapping', { file, line: doc.line(root, 'vars') });
  const models = root.models === undefined || root.models === null ? {} : asMap(root.models);
  if (!models) throw new DbtLoadError('models must be a mapping', { file, line: doc.line(root, 'models') });
  const install = root['packages-install-path'] ?? root['modules-path'];
  return {
    file,
    name,
    modelPaths: pathList(doc, root, 'model-paths', ['models']),
    macroPaths: pathList(doc, root, 'macro-paths', ['macros']),
    packagesInstallPath: typeof install === 'string' ? normaliseRelPath(install) : 'dbt_packages',
    vars,
    models: buildTree(doc, models, ['models']),
    dispatch: dispatchConfig(doc, root),
  };
}

/**
 * `dispatch: [{ macro_namespace: dbt_utils, search_order: [my_project, dbt_utils] }]`. dbt rejects any
 * other shape when it loads the project, so a malformed entry is an error naming its line.
 */
function dispatchConfig(doc: YamlFile, root: Record<string, unknown>): Record<string, string[]> {
  const raw = root.dispatch;
  if (raw === undefined || raw === null) return {};
  const fail = (line: number | undefined): never => {
    throw new DbtLoadError(
      'dispatch must be a list of { macro_namespace: <package>, search_order: [<project>, ...] } entries',
      {
        file: doc.file,
        line,
        hint: 'See https://docs.getdbt.com/reference/project-configs/dispatch-config',
      },
    );
  };
  if (!Array.isArray(raw)) return fail(doc.line(root, 'dispatch'));
  const out: Record<string, string[]> = {};
  for (const entry of raw) {
    const e = asMap(entry);
    if (!e) return fail(doc.line(root, 'dispatch'));
    const ns = e.macro_namespace;
    const order = e.search_order;
    if (
      typeof ns !== 'string' ||
      !Array.isArray(order) ||
      !order.every((x): x is string => typeof x === 'string')
    ) {
      return fail(doc.line(e, 'macro_namespace') ?? doc.line(root, 'dispatch'));
    }
    // dbt takes the first entry of a namespace listed twice
    if (!(ns in out)) out[ns] = order;
  }
  return out;
}
