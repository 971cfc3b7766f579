/**
 * Names the warehouse would change. Every source keeps its change tracking in its managed schema, in
 * tables named after models and syncs (`snapshot_<model>`, `records_<sync>`, `rejections_<sync>`,
 * `plan_<sync>`, `stage_<sync>`, `batch_<sync>`). A warehouse that cuts long identifiers (Postgres at 63
 * bytes) or folds their case (Redshift and Databricks to lower case, Snowflake's unquoted names to upper
 * case) could make two objects' tracking one table, or put it under a name Backflow never looks for. So a
 * managed_schema, model or sync name whose schema or tables would not be stored exactly as one distinct
 * name is refused at validate, naming the table, the limit, and the other object it would become.
 *
 * The limits and folding rules are the warehouses' own (kept here, not imported: config never imports the
 * adapters); the adapters quote every identifier, so nothing else about a name changes it.
 */
import { error, type Diagnostic } from '../../diagnostics';
import { attr, resourcesOf, type RuleContext } from './context';

interface NameRules {
  /** Longest identifier, and whether the limit counts UTF-8 bytes or characters. */
  max: number;
  unit: 'bytes' | 'characters';
  /** How the warehouse stores a quoted identifier written as `name` (undefined: exactly as written). */
  fold?: (name: string) => string;
  /** For messages: what the fold does. */
  folds?: string;
}

const SNOWFLAKE_UNQUOTED = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Per warehouse. Redshift folds even quoted names unless `enable_case_sensitive_identifier` is on. */
export const WAREHOUSE_NAME_RULES: Record<string, NameRules> = {
  postgres: { max: 63, unit: 'bytes' },
  redshift: { max: 127, unit: 'bytes', fold: (n) => n.toLowerCase(), folds: 'folds names to lower case' },
  snowflake: {
    max: 255,
    unit: 'characters',
    fold: (n) => (SNOWFLAKE_UNQUOTED.test(n) ? n.toUpperCase() : n),
    folds: 'stores names made of letters, digits, _ and $ in upper case',
  },
  bigquery: { max: 1024, unit: 'bytes' },
  databricks: {
    max: 255,
    unit: 'characters',
    fold: (n) => n.toLowerCase(),
    folds: 'folds names to lower case (Unity Catalog)',
  },
};

const DEFAULT_SCHEMA = '__segment_reverse_etl';
const SNAPSHOT_TABLE = 'snapshot';
/** The longest first: only it can pass a length limit that the others fit. */
export const SYNC_TABLES = ['rejections', 'records', 'plan', 'stage', 'batch'];
const LONGEST_SYNC_TABLE = SYNC_TABLES.slice(0, 1);

/**
 * Whether distinct (prefix, name) pairs always give distinct table names: no `prefix_` starts another. Then,
 * where a warehouse stores names exactly as written, no two objects can share a table (a model and a sync
 * differ in prefix, and names are unique within a type), and only lengths need checking.
 */
export const TABLE_PREFIXES_DISTINCT = [SNAPSHOT_TABLE, ...SYNC_TABLES].every((a, i, all) =>
  all.every((b, j) => i === j || !`${b}_`.startsWith(`${a}_`)),
);

function size(name: string, rules: NameRules): number {
  return rules.unit === 'bytes' ? Buffer.byteLength(name, 'utf8') : Array.from(name).length;
}

/**
 * Whether `prefix_name` fits where names are stored as written (no fold, so no collision to look for:
 * see Place.tables), worked out without building the name: the prefixes are ASCII, one byte and one
 * character each. False means "check it".
 */
function surelyFits(where: Place, prefix: string, name: string): boolean {
  return where.tables === undefined && prefix.length + 1 + size(name, where.rules) <= where.rules.max;
}

/** The part of a source's settings that says which database its managed schema lives in. */
function databaseOf(settings: Record<string, unknown>): string {
  const keys = ['host', 'port', 'account', 'database', 'project_id', 'catalog', 'http_path'];
  return keys.map((k) => (typeof settings[k] === 'object' ? '' : String(settings[k] ?? ''))).join('\u0000');
}

/** Where a source keeps its tracking tables, and the tables claimed there so far. */
interface Place {
  rules: NameRules;
  schema: string;
  warehouse: string;
  fold: (name: string) => string;
  /**
   * Folded table name → the object whose tracking it holds; undefined where the warehouse stores names as
   * written (no fold), since distinct objects then never share a table (TABLE_PREFIXES_DISTINCT).
   */
  tables?: Map<string, Owner>;
}

interface Owner {
  address: string;
  /** The table (or schema) name as Backflow asks for it. */
  written: string;
}

export function warehouseNamesFit(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sources = new Map(resourcesOf(ctx, 'source').map((s) => [s.name, s]));
  // Tracking tables by where they are stored: one database's folded schema, then the folded table name.
  const stored = new Map<string, Map<string, Owner>>();
  // Each source's place, worked out once per source for this call (every model and sync asks for it).
  const places = new Map<string, Place | undefined>();
  const schemaOf = (sourceName: string): Place | undefined => {
    if (places.has(sourceName)) return places.get(sourceName);
    const source = sources.get(sourceName);
    const warehouse = source ? String(attr(source, 'warehouse')) : '';
    const rules = source ? WAREHOUSE_NAME_RULES[warehouse] : undefined;
    let place: Place | undefined;
    if (source && rules) {
      const schema = String(attr(source, 'managed_schema') ?? DEFAULT_SCHEMA);
      const settings = (attr(source, 'settings') ?? {}) as Record<string, unknown>;
      const fold = rules.fold ?? ((n: string) => n);
      let tables: Map<string, Owner> | undefined;
      if (rules.fold !== undefined || !TABLE_PREFIXES_DISTINCT) {
        const key = `${warehouse}\u0000${databaseOf(settings)}\u0000${fold(schema)}`;
        tables = stored.get(key);
        if (tables === undefined) stored.set(key, (tables = new Map()));
      }
      place = { rules, schema, warehouse, fold, tables };
    }
    places.set(sourceName, place);
    return place;
  };

  /** Whether `owner`'s table is too long (reported), else whether it folds into another's (reported). */
  const check = (where: Place, owner: Owner, sourceName: string): boolean => {
    const { rules, warehouse } = where;
    const n = size(owner.written, rules);
    if (n > rules.max) {
      const room = rules.max - (n - size(owner.address.split('.')[1], rules));
      out.push(
        error(
          `${owner.address}: tracking table "${owner.written}" is ${n} ${rules.unit}; ${warehouse} keeps at most ${rules.max}, so it would be cut`,
          {
            ...ctx.at(owner.address),
            detail:
              `source.${sourceName} is ${warehouse}: a cut name is not the table Backflow asks for, and two cut names can be one table. ` +
              `Give ${owner.address} a name of at most ${Math.max(room, 1)} ${rules.unit}.`,
          },
        ),
      );
      return true;
    }
    if (where.tables === undefined) return false;
    const table = where.fold(owner.written);
    const other = where.tables.get(table);
    if (other === undefined) {
      where.tables.set(table, owner);
    } else if (other.address !== owner.address) {
      out.push(
        error(
          `${owner.address}: its tracking table "${owner.written}" would be the same table as ${other.address}'s "${other.written}"`,
          {
            ...ctx.at(owner.address),
            detail:
              `Both live in the managed schema "${where.schema}" of ${warehouse}, which ${rules.folds ?? 'stores them under one name'}. ` +
              `Two objects' change tracking must never share a table: rename one of ${other.address} and ${owner.address}.`,
          },
        ),
      );
      return true;
    }
    return false;
  };

  for (const source of sources.values()) {
    const rules = WAREHOUSE_NAME_RULES[String(attr(source, 'warehouse'))];
    const schema = attr(source, 'managed_schema');
    if (!rules || typeof schema !== 'string') continue;
    const n = size(schema, rules);
    if (n > rules.max) {
      out.push(
        error(
          `${source.address}: managed_schema is ${n} ${rules.unit}; ${String(attr(source, 'warehouse'))} keeps at most ${rules.max}, so it would be cut`,
          {
            ...ctx.at(source.address, ['managed_schema']),
            detail: `Give managed_schema a name of at most ${rules.max} ${rules.unit} (the default is "${DEFAULT_SCHEMA}").`,
          },
        ),
      );
    }
  }
  const modelSource = new Map<string, string>();
  for (const model of resourcesOf(ctx, 'model')) {
    const source = attr(model, 'source');
    if (typeof source !== 'string') continue;
    modelSource.set(model.name, source);
    const where = schemaOf(source);
    if (where === undefined || surelyFits(where, SNAPSHOT_TABLE, model.name)) continue;
    check(where, { address: model.address, written: `${SNAPSHOT_TABLE}_${model.name}` }, source);
  }
  for (const sync of resourcesOf(ctx, 'sync')) {
    const model = attr(sync, 'model');
    const source = typeof model === 'string' ? modelSource.get(model) : undefined;
    if (source === undefined) continue;
    const where = schemaOf(source);
    if (where === undefined || surelyFits(where, SYNC_TABLES[0], sync.name)) continue;
    // Only the longest prefix can be cut (it goes first); every prefix can fold into another sync's table.
    // Where names are stored as written, the longest is the only one to look at (see Place.tables).
    for (const prefix of where.tables === undefined ? LONGEST_SYNC_TABLE : SYNC_TABLES) {
      if (check(where, { address: sync.address, written: `${prefix}_${sync.name}` }, source)) break;
    }
  }
  return out;
}
