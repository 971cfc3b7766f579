/**
 * Properties YAML (`models:` entries in any .yml under a model path): description, config, columns with
 * their tests (`tests` or `data_tests`, strings or dicts) and constraints, model-level tests and
 * constraints, and `versions` (`v`, `defined_in`, `columns` with include/exclude, `latest_version`).
 * Validated as dbt validates them, with the file and line of every problem.
 */
import { isConfigKey, type RawConfig } from './config-values';
import { DbtLoadError } from './errors';
import { asMap, parseYamlFile, type YamlFile } from './yaml/yaml-file';

export interface TestSpec {
  name: string;
  /**
   * The columns a multi-column uniqueness test names: `combination_of_columns` of
   * dbt_utils.unique_combination_of_columns, `column_list` of dbt_expectations.expect_compound_columns_to_be_unique,
   * `column_names` of dbt_constraints.primary_key / unique_key.
   */
  combination?: string[];
  /** A model-level test's `column_name`: the column it tests. */
  column?: string;
  /** Has a `where` or is disabled: it does not prove anything about every row. */
  conditional: boolean;
}

export interface ColumnSpec {
  name: string;
  description: string;
  dataType?: string;
  tests: TestSpec[];
  /** A column-level `constraints: [{type: primary_key}]`. */
  primaryKey: boolean;
}

export interface ConstraintSpec {
  type: string;
  columns: string[];
}

export type ModelVersionId = string | number;

export interface VersionSpec {
  v: ModelVersionId;
  line?: number;
  definedIn?: string;
  description?: string;
  config: RawConfig;
  include: 'all' | string[];
  exclude: string[];
  columns: ColumnSpec[];
  /** Model-level tests of this version; undefined inherits the model's. */
  tests?: TestSpec[];
  constraints: ConstraintSpec[];
}

export interface ModelPatch {
  name: string;
  file: string;
  line?: number;
  description: string;
  config: RawConfig;
  columns: ColumnSpec[];
  tests: TestSpec[];
  constraints: ConstraintSpec[];
  latestVersion?: ModelVersionId;
  versions?: VersionSpec[];
}

export interface PropertiesSummary {
  patches: ModelPatch[];
  /** Whether `data_tests` is used (dbt 1.8+ only). */
  usesDataTests: boolean;
}

class Reader {
  usesDataTests = false;
  constructor(readonly doc: YamlFile) {}

  fail(message: string, container: unknown, key: string | number, hint?: string): never {
    throw new DbtLoadError(message, { file: this.doc.file, line: this.doc.line(container, key), hint });
  }

  list(container: Record<string, unknown>, key: string, what: string): unknown[] {
    const v = container[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(`${what} must be a list`, container, key);
    return v;
  }

  str(container: Record<string, unknown>, key: string): string | undefined {
    const v = container[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'object') this.fail(`${key} must be text`, container, key);
    return String(v);
  }

  config(container: Record<string, unknown>): RawConfig {
    const out: RawConfig = {};
    const v = container.config;
    if (v === undefined || v === null) return out;
    const map = asMap(v);
    if (!map) this.fail('config must be a mapping', container, 'config');
    for (const [rawKey, value] of Object.entries(map)) {
      const key = rawKey.replace(/^\+/, '');
      if (isConfigKey(key)) {
        out[key] = {
          raw: { yaml: value },
          origin: { kind: 'properties', file: this.doc.file, line: this.doc.line(map, rawKey) },
        };
      }
    }
    return out;
  }

  /** `tests` or `data_tests` (never both), undefined when neither is there. */
  testList(container: Record<string, unknown>, owner: string): TestSpec[] | undefined {
    const hasTests = container.tests !== undefined && container.tests !== null;
    const hasData = container.data_tests !== undefined && container.data_tests !== null;
    if (hasTests && hasData) {
      this.fail(
        `Invalid test config: cannot have both 'tests' and 'data_tests' defined on ${owner}`,
        container,
        'data_tests',
      );
    }
    if (!hasTests && !hasData) return undefined;
    const key = hasData ? 'data_tests' : 'tests';
    if (hasData) this.usesDataTests = true;
    const list = this.list(container, key, key);
    return list.map((t, i) => this.test(t, list, i));
  }

  test(t: unknown, list: unknown[], i: number): TestSpec {
    if (typeof t === 'string') return { name: t, conditional: false };
    const m = asMap(t);
    if (!m) this.fail('a test must be a name or a mapping', list, i);
    let name: string;
    let args: Record<string, unknown>;
    if (typeof m.test_name === 'string') {
      name = m.test_name;
      args = m;
    } else {
      const keys = Object.keys(m);
      if (keys.length !== 1) {
        this.fail(
          `test definition dictionary must have exactly one key, got ${JSON.stringify(keys)}`,
          list,
          i,
        );
      }
      name = keys[0];
      args = asMap(m[name]) ?? {};
    }
    const config = asMap(args.config) ?? {};
    const where = args.where ?? config.where;
    const enabled = args.enabled ?? config.enabled;
    const spec: TestSpec = {
      name,
      conditional: (where !== undefined && where !== null && where !== '') || enabled === false,
    };
    // dbt 1.10 nests test arguments under `arguments:`; older projects write them beside the config.
    const arg = (k: string) => args[k] ?? asMap(args.arguments)?.[k];
    const column = arg('column_name');
    if (typeof column === 'string' && column !== '') spec.column = column;
    const cols = arg('combination_of_columns') ?? arg('column_list') ?? arg('column_names');
    if (Array.isArray(cols) && cols.length > 0 && cols.every((c) => typeof c === 'string')) {
      spec.combination = cols;
    }
    return spec;
  }

  constraints(container: Record<string, unknown>): ConstraintSpec[] {
    const list = this.list(container, 'constraints', 'constraints');
    return list.map((c, i) => {
      const m = asMap(c);
      if (!m || typeof m.type !== 'string') this.fail('a constraint needs a type', list, i);
      const cols = Array.isArray(m.columns) ? m.columns.map(String) : [];
      return { type: m.type, columns: cols };
    });
  }

  column(c: unknown, list: unknown[], i: number): ColumnSpec {
    const m = asMap(c);
    if (!m || m.name === undefined || m.name === null) this.fail('a column needs a name', list, i);
    const name = String(m.name);
    const constraints = this.constraints(m);
    return {
      name,
      description: this.str(m, 'description') ?? '',
      ...(m.data_type !== undefined && m.data_type !== null ? { dataType: String(m.data_type) } : {}),
      tests: this.testList(m, `column ${name}`) ?? [],
      primaryKey: constraints.some((k) => k.type === 'primary_key'),
    };
  }

  columns(container: Record<string, unknown>): ColumnSpec[] {
    const list = this.list(container, 'columns', 'columns');
    return list.map((c, i) => this.column(c, list, i));
  }

  version(v: unknown, list: unknown[], i: number, model: string): VersionSpec {
    const m = asMap(v);
    if (!m || m.v === undefined || m.v === null)
      this.fail(`every version of model ${model} needs a v`, list, i);
    if (typeof m.v !== 'string' && typeof m.v !== 'number')
      this.fail('v must be a number or a string', m, 'v');
    let include: 'all' | string[] = 'all';
    let exclude: string[] = [];
    let seenIncludeExclude = false;
    const columns: ColumnSpec[] = [];
    const cols = this.list(m, 'columns', 'columns');
    cols.forEach((c, j) => {
      const cm = asMap(c);
      if (cm && (cm.include !== undefined || cm.exclude !== undefined) && cm.name === undefined) {
        if (seenIncludeExclude) this.fail('version can have at most one include/exclude element', cols, j);
        seenIncludeExclude = true;
        const inc = cm.include;
        include =
          inc === undefined || inc === 'all' || inc === '*'
            ? 'all'
            : Array.isArray(inc)
              ? inc.map(String)
              : [];
        exclude = Array.isArray(cm.exclude) ? cm.exclude.map(String) : [];
        if (!Array.isArray(inc) && inc !== undefined && inc !== 'all' && inc !== '*') {
          this.fail(`include must be "all", "*" or a list of column names`, cm, 'include');
        }
      } else columns.push(this.column(c, cols, j));
    });
    return {
      v: m.v,
      line: this.doc.line(list, i),
      ...(m.defined_in !== undefined && m.defined_in !== null ? { definedIn: String(m.defined_in) } : {}),
      ...(typeof m.description === 'string' && m.description !== '' ? { description: m.description } : {}),
      config: this.config(m),
      include,
      exclude,
      columns,
      tests: this.testList(m, `version ${m.v} of model ${model}`),
      constraints: this.constraints(m),
    };
  }

  patch(entry: unknown, list: unknown[], i: number): ModelPatch {
    const m = asMap(entry);
    if (!m) this.fail('every entry under models: must be a mapping with a name', list, i);
    if (typeof m.name !== 'string' || m.name === '') this.fail('a model entry needs a name', list, i);
    const name = m.name;
    const patch: ModelPatch = {
      name,
      file: this.doc.file,
      line: this.doc.line(list, i),
      description: this.str(m, 'description') ?? '',
      config: this.config(m),
      columns: this.columns(m),
      tests: this.testList(m, `model ${name}`) ?? [],
      constraints: this.constraints(m),
    };
    this.checkPrimaryKeys(name, patch.columns, patch.constraints, m);
    const versions = this.list(m, 'versions', 'versions');
    if (versions.length > 0) {
      patch.versions = versions.map((v, j) => this.version(v, versions, j, name));
      const seen = new Set<string>();
      patch.versions.forEach((v, j) => {
        if (seen.has(String(v.v))) {
          this.fail(`Found duplicate version: '${v.v}' in versions list of model '${name}'`, versions, j);
        }
        seen.add(String(v.v));
      });
      const latest = m.latest_version;
      if (latest !== undefined && latest !== null && latest !== '') {
        if (!patch.versions.some((v) => v.v === latest)) {
          this.fail(
            `latest_version: ${latest} is not one of model '${name}' versions: [${patch.versions.map((v) => v.v).join(', ')}]`,
            m,
            'latest_version',
          );
        }
        patch.latestVersion = latest as ModelVersionId;
      }
    }
    return patch;
  }

  /** dbt: a primary key on more than one column must be model-level, and never on both levels. */
  checkPrimaryKeys(
    name: string,
    columns: ColumnSpec[],
    constraints: ConstraintSpec[],
    m: Record<string, unknown>,
  ) {
    const pkCols = columns.filter((c) => c.primaryKey).map((c) => c.name);
    const hint =
      'Declare one primary key: `constraints: [{type: primary_key, columns: [a, b]}]` on the model.';
    if (pkCols.length > 1) {
      this.fail(
        `Primary key constraint error on model ${name}: found ${pkCols.length} columns (${pkCols.join(', ')}) with primary key constraints; primary keys for multiple columns must be defined as a model level constraint`,
        m,
        'columns',
        hint,
      );
    }
    if (pkCols.length > 0 && constraints.some((c) => c.type === 'primary_key')) {
      this.fail(
        `Primary key constraint error on model ${name}: primary keys are defined at the model level and the column level, not both`,
        m,
        'constraints',
        hint,
      );
    }
  }
}

export function parseProperties(text: string, file: string): PropertiesSummary {
  const doc = parseYamlFile(text, file);
  const root = doc.value;
  if (root === null || root === undefined) return { patches: [], usesDataTests: false };
  const map = asMap(root);
  if (!map)
    throw new DbtLoadError('a properties file must be a mapping (version:, models:, ...)', { file, line: 1 });
  const reader = new Reader(doc);
  const list = reader.list(map, 'models', 'models');
  return { patches: list.map((e, i) => reader.patch(e, list, i)), usesDataTests: reader.usesDataTests };
}
