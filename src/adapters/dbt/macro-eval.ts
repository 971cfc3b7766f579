/**
 * Runs the root project's naming macros the way dbt's Jinja would, for the subset they are written in:
 * text, `{{ }}`, `{% set %}`, `{% if/elif/else %}`, `{% do %}`, `return()`, `log()`, `var()`, `env_var()`,
 * calls to other project macros and to dbt's built-in naming macros (`generate_schema_name_for_env`,
 * `default__generate_*_name`). Anything else (loops, `adapter`, `modules`, unknown attributes of `node`)
 * throws `NotStaticError`: Backflow then asks for a manifest instead of guessing.
 */
import { NotStaticError } from './errors';
import { evaluate, NativeFn, pyEquals, pyStr, truthy, Unknown, type Value } from './jinja/evaluate';
import { parseExpression, type Expr } from './jinja/expr';
import { dbtModules } from './jinja/modules';
import { lexTemplate, statementKeyword, type Part } from './jinja/template';
import type { MacroDef } from './macros';

export interface MacroTarget {
  schema: string;
  /** Undefined when the target database is not known: the default database name is then left out. */
  database?: string;
  name: string | Unknown;
  /** The adapter type (`postgres`, `snowflake`...): `adapter.dispatch` and `target.type`. */
  type?: string;
}

export interface MacroWorld {
  /** The root project's macros: the flat namespace every model sees. */
  macros: ReadonlyMap<string, MacroDef>;
  /**
   * Installed packages' macros by package name: reachable as `<package>.<macro>`, unqualified from the
   * package's own models and macros, and by `adapter.dispatch(name, '<package>')` — as dbt's macro
   * namespaces resolve them (own package, then root project, then dbt's built-ins).
   */
  packages?: ReadonlyMap<string, ReadonlyMap<string, MacroDef>>;
  target: MacroTarget;
  var: NativeFn;
  envVar: NativeFn;
  /** More names in the template's context (tests render templates with their own values). */
  globals?: Record<string, Value>;
  /** The root project's name: how a `dispatch:` search order names the root project's macros. */
  rootProject?: string;
  /** The root dbt_project.yml's `dispatch:`: macro_namespace → search_order (project names). */
  dispatchOrder?: ReadonlyMap<string, readonly string[]>;
}

/**
 * dbt's adapter type names, the adapter first then the adapters its plugin depends on (dbt-redshift on
 * dbt-postgres, dbt-databricks on dbt-spark): `adapter.dispatch` tries `<type>__` prefixes in this order.
 */
const ADAPTER_PARENTS: Record<string, string[]> = { redshift: ['postgres'], databricks: ['spark'] };

function adapterPrefixes(type: string | undefined): string[] {
  return type === undefined ? [] : [type, ...(ADAPTER_PARENTS[type] ?? [])];
}

/** The `node` a naming macro receives (only what Backflow knows; other attributes are not guessed). */
export interface MacroNode {
  name: string;
  version: string | number | null;
  package_name: string;
  resource_type: 'model';
  /** dbt's fully qualified name: package, folders under the model path, name (and `v<version>`). */
  fqn?: string[];
  /** The file relative to its model path (dbt's `node.path`). */
  path?: string;
  /** The file relative to the project (dbt's `node.original_file_path`). */
  original_file_path?: string;
  unique_id?: string;
}

type Node =
  | { k: 'text'; s: string }
  | { k: 'out'; e: Expr }
  | { k: 'set'; names: string[]; e: Expr }
  | { k: 'setattr'; obj: string; attr: string; e: Expr }
  | { k: 'setblock'; name: string; body: Node[] }
  | { k: 'if'; branches: { c: Expr; body: Node[] }[]; otherwise: Node[] }
  | { k: 'for'; names: string[]; iter: Expr; body: Node[]; otherwise: Node[] }
  | { k: 'do'; e: Expr };

/** Upper bounds that make every evaluation finish: a macro calling itself forever, a huge loop. */
const MAX_DEPTH = 64;
const MAX_STEPS = 200_000;

class Return {
  constructor(readonly value: Value) {}
}

function unsupported(what: string): never {
  throw new NotStaticError(`${what} is not supported`);
}

/** Turns a macro body into a tree of statements. */
function build(parts: Part[]): Node[] {
  let i = 0;
  const block = (ends: string[]): { nodes: Node[]; end: string; src: string } => {
    const nodes: Node[] = [];
    for (; i < parts.length; i++) {
      const p = parts[i];
      if (p.k === 'text') nodes.push({ k: 'text', s: p.s });
      else if (p.k === 'expr') nodes.push({ k: 'out', e: parseExpression(p.src) });
      else {
        const kw = statementKeyword(p.src);
        const rest = p.src.trim().slice(kw.length).trim();
        if (ends.includes(kw)) return { nodes, end: kw, src: rest };
        if (kw === 'set') {
          const attr = /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*=([\s\S]*)$/.exec(rest);
          const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*=([\s\S]*)$/.exec(rest);
          if (attr) nodes.push({ k: 'setattr', obj: attr[1], attr: attr[2], e: parseExpression(attr[3]) });
          else if (m) {
            nodes.push({ k: 'set', names: m[1].split(',').map((x) => x.trim()), e: parseExpression(m[2]) });
          } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(rest)) {
            i++;
            nodes.push({ k: 'setblock', name: rest, body: block(['endset']).nodes });
          } else unsupported('this form of {% set %}');
        } else if (kw === 'for') {
          const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s+in\s+([\s\S]*)$/.exec(
            rest,
          );
          if (!m || /\sif\s|\srecursive\s*$/.test(` ${m[2]} `)) unsupported('this form of {% for %}');
          i++;
          const r = block(['else', 'endfor']);
          let otherwise: Node[] = [];
          if (r.end === 'else') {
            i++;
            otherwise = block(['endfor']).nodes;
          }
          nodes.push({
            k: 'for',
            names: m[1].split(',').map((x) => x.trim()),
            iter: parseExpression(m[2]),
            body: r.nodes,
            otherwise,
          });
        } else if (kw === 'do') nodes.push({ k: 'do', e: parseExpression(rest) });
        else if (kw === 'if') {
          const branches: { c: Expr; body: Node[] }[] = [];
          let cond = parseExpression(rest);
          let otherwise: Node[] = [];
          for (;;) {
            i++;
            const r = block(['elif', 'else', 'endif']);
            if (r.end === 'elif' || r.end === 'else' || r.end === 'endif')
              branches.push({ c: cond, body: r.nodes });
            if (r.end === 'elif') {
              cond = parseExpression(r.src);
              continue;
            }
            if (r.end === 'else') {
              i++;
              otherwise = block(['endif']).nodes;
            }
            break;
          }
          nodes.push({ k: 'if', branches, otherwise });
        } else unsupported(`{% ${kw} %}`);
      }
    }
    if (ends.length > 0) unsupported(`a block without {% ${ends[ends.length - 1]} %}`);
    return { nodes, end: '', src: '' };
  };
  return block([]).nodes;
}

const built = new WeakMap<MacroDef, Node[]>();

/** Work done by one evaluation (statements run, macro depth), to bound it. */
interface Budget {
  steps: number;
  depth: number;
}

/** Objects made by Jinja's `namespace()`: the one kind templates may assign attributes of. */
const namespaces = new WeakSet<object>();

function iterate(v: Value): Value[] {
  if (v instanceof Unknown) throw new NotStaticError(`${v.what} is not known`, { hint: v.hint });
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (v && typeof v === 'object' && !(v instanceof NativeFn)) return Object.keys(v);
  return unsupported('a loop over something that is not a list, string or mapping');
}

function assign(scope: Map<string, Value>, names: string[], v: Value): void {
  if (names.length === 1) {
    scope.set(names[0], v);
    return;
  }
  const items = iterate(v);
  if (items.length !== names.length)
    unsupported(`unpacking ${items.length} values into ${names.length} names`);
  names.forEach((n, i) => scope.set(n, items[i]));
}

function run(
  nodes: Node[],
  scope: Map<string, Value>,
  lookup: (n: string) => Value | undefined,
  out: string[],
  budget: Budget,
) {
  const get = (n: string) => (scope.has(n) ? scope.get(n) : lookup(n));
  for (const node of nodes) {
    if (++budget.steps > MAX_STEPS) {
      throw new NotStaticError(`the template runs more than ${MAX_STEPS} steps (a loop that does not end?)`);
    }
    switch (node.k) {
      case 'text':
        out.push(node.s);
        break;
      case 'out':
        out.push(pyStr(evaluate(node.e, get)));
        break;
      case 'set':
        assign(scope, node.names, evaluate(node.e, get));
        break;
      case 'setattr': {
        const ns = get(node.obj);
        if (!ns || typeof ns !== 'object' || !namespaces.has(ns)) {
          unsupported(`{% set ${node.obj}.${node.attr} %} on something not a namespace()`);
        }
        (ns as Record<string, Value>)[node.attr] = evaluate(node.e, get);
        break;
      }
      case 'setblock': {
        const inner: string[] = [];
        run(node.body, scope, lookup, inner, budget);
        scope.set(node.name, inner.join(''));
        break;
      }
      case 'do':
        evaluate(node.e, get);
        break;
      case 'if': {
        const branch = node.branches.find((b) => truthy(evaluate(b.c, get)));
        run(branch ? branch.body : node.otherwise, scope, lookup, out, budget);
        break;
      }
      case 'for': {
        const items = iterate(evaluate(node.iter, get));
        if (items.length === 0) {
          run(node.otherwise, scope, lookup, out, budget);
          break;
        }
        // Jinja: the loop has its own scope; a {% set %} inside does not leak out of it.
        const outerGet = (n: string) => (scope.has(n) ? scope.get(n) : lookup(n));
        items.forEach((item, index) => {
          if (++budget.steps > MAX_STEPS) {
            throw new NotStaticError(
              `the template runs more than ${MAX_STEPS} steps (a loop that does not end?)`,
            );
          }
          const inner = new Map<string, Value>();
          assign(inner, node.names, item);
          inner.set('loop', {
            index: index + 1,
            index0: index,
            revindex: items.length - index,
            revindex0: items.length - index - 1,
            first: index === 0,
            last: index === items.length - 1,
            length: items.length,
          });
          run(node.body, inner, outerGet, out, budget);
        });
        break;
      }
    }
  }
}

function trimmed(v: Value): string {
  return pyStr(v).trim();
}

/** dbt's built-in naming macros (dbt-adapters' global project), as native functions. */
function builtins(world: MacroWorld): Record<string, NativeFn> {
  const nodeOf = (v: Value | undefined): { name: Value; version: Value } => {
    if (v && typeof v === 'object' && !Array.isArray(v) && 'name' in v) {
      return {
        name: (v as Record<string, Value>).name,
        version: (v as Record<string, Value>).version ?? null,
      };
    }
    return unsupported('a naming macro without its node');
  };
  return {
    default__generate_schema_name: new NativeFn('default__generate_schema_name', ([custom = null]) =>
      custom === null ? world.target.schema : `${world.target.schema}_${trimmed(custom)}`,
    ),
    generate_schema_name_for_env: new NativeFn('generate_schema_name_for_env', ([custom = null]) =>
      pyEquals(world.target.name, 'prod') && custom !== null ? trimmed(custom) : world.target.schema,
    ),
    default__generate_alias_name: new NativeFn(
      'default__generate_alias_name',
      ([custom = null, node = null]) => {
        if (truthy(custom)) return trimmed(custom);
        const n = nodeOf(node);
        if (truthy(n.version)) return `${pyStr(n.name)}_v${pyStr(n.version).split('.').join('_')}`;
        return n.name;
      },
    ),
    default__generate_database_name: new NativeFn('default__generate_database_name', ([custom = null]) =>
      custom === null ? (world.target.database ?? null) : trimmed(custom),
    ),
  };
}

export type MacroRunner = (name: string, args: Value[]) => Value;

/** The macros of one world, with dbt's context: built-ins, globals and parsed bodies prepared once. */
export function macroEnvironment(world: MacroWorld): MacroEnvironment {
  const natives = builtins(world);
  const target: Record<string, Value> = {
    schema: world.target.schema,
    name: world.target.name,
    database: world.target.database ?? new Unknown('target.database', [], 'Set the target database.'),
    type:
      world.target.type ??
      new Unknown('target.type', [], "The adapter type comes from the source's warehouse."),
  };
  let budget: Budget = { steps: 0, depth: 0 };
  // adapter.dispatch('name', 'namespace'), as dbt's BaseDatabaseWrapper.dispatch: for each package of the
  // search order (outer loop), each adapter prefix (`<adapter>__`, its parent adapters', `default__`; inner
  // loop), the first macro found. The search order is the root project's `dispatch:` entry for the
  // namespace, else [root project, namespace] when the namespace is an installed package, else the flat
  // namespace (the root project's macros, then dbt's built-ins).
  const fromPackage = (pkg: string | null, name: string): Value | undefined => {
    if (pkg === null) {
      const def = world.macros.get(name);
      return def ? fnOf(def, undefined) : natives[name];
    }
    if (pkg === 'dbt') return natives[name];
    if (pkg === world.rootProject) {
      const def = world.macros.get(name);
      return def ? fnOf(def, undefined) : undefined;
    }
    const def = world.packages?.get(pkg)?.get(name);
    return def ? fnOf(def, pkg) : undefined;
  };
  const dispatch = new NativeFn('adapter.dispatch', ([name, ns = null], kw) => {
    const n = pyStr(name ?? null);
    const namespace = ns ?? kw.macro_namespace ?? null;
    if (n.includes('.')) {
      return unsupported(`adapter.dispatch('${n}') (dbt rejects a "." in the macro name)`);
    }
    const prefixes = [...adapterPrefixes(world.target.type), 'default'];
    const pkg = namespace === null ? null : pyStr(namespace);
    const configured = pkg === null ? undefined : world.dispatchOrder?.get(pkg);
    const order: (string | null)[] =
      configured && configured.length > 0
        ? [...configured]
        : pkg !== null && (world.packages?.has(pkg) || pkg === world.rootProject)
          ? [world.rootProject ?? null, pkg]
          : [null];
    for (const p of order) {
      for (const prefix of prefixes) {
        const f = fromPackage(p, `${prefix}__${n}`);
        if (f !== undefined) return f;
      }
    }
    const tried = order.flatMap((p) => prefixes.map((x) => `${p === null ? '' : `${p}.`}${x}__${n}`));
    if (!world.target.type) {
      return unsupported(`adapter.dispatch('${n}') without the adapter type (tried ${tried.join(', ')})`);
    }
    return unsupported(`adapter.dispatch('${n}'): no ${tried.join(' or ')} macro`);
  });
  const globals: Record<string, Value> = {
    target,
    var: world.var,
    env_var: world.envVar,
    adapter: { dispatch },
    modules: dbtModules(),
    run_started_at: new Unknown(
      'run_started_at',
      [],
      'It changes with every dbt run: a relation name built from it cannot be known.',
    ),
    exceptions: {
      raise_compiler_error: new NativeFn('exceptions.raise_compiler_error', ([msg = null]) => {
        throw new NotStaticError(`the macro raises a compiler error: ${pyStr(msg)}`);
      }),
      warn: new NativeFn('exceptions.warn', () => ''),
    },
    log: new NativeFn('log', () => ''),
    print: new NativeFn('print', () => ''),
    return: new NativeFn('return', ([v = null]) => {
      throw new Return(v);
    }),
    namespace: new NativeFn('namespace', (args, kw) => {
      const ns: Record<string, Value> = {};
      for (const a of args) if (a && typeof a === 'object' && !Array.isArray(a)) Object.assign(ns, a);
      Object.assign(ns, kw);
      namespaces.add(ns);
      return ns;
    }),
    range: new NativeFn('range', (args) => {
      const n = args.map((a) => Number(a));
      const [start, stop, step] = n.length === 1 ? [0, n[0], 1] : [n[0], n[1], n[2] ?? 1];
      if (!step || Math.abs((stop - start) / step) > MAX_STEPS) unsupported('this range()');
      const out: Value[] = [];
      for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
      return out;
    }),
    dict: new NativeFn('dict', (args, kw) => ({
      ...(args[0] && typeof args[0] === 'object' && !Array.isArray(args[0])
        ? (args[0] as Record<string, Value>)
        : {}),
      ...kw,
    })),
  };
  const macroFns = new Map<MacroDef, NativeFn>();
  const fnOf = (def: MacroDef, home: string | undefined): NativeFn => {
    let f = macroFns.get(def);
    if (!f) {
      f = new NativeFn(def.name, (a, kw) => invoke(def, home, a, kw));
      macroFns.set(def, f);
    }
    return f;
  };
  // `<package>.<macro>`: one object per package, its attributes the package's macros.
  const namespaceObjects = new Map<string, Record<string, Value>>();
  const packageNamespace = (pkg: string): Record<string, Value> | undefined => {
    const defs = world.packages?.get(pkg);
    if (!defs) return undefined;
    let ns = namespaceObjects.get(pkg);
    if (!ns) {
      ns = {};
      for (const [name, def] of defs) ns[name] = fnOf(def, pkg);
      namespaceObjects.set(pkg, ns);
    }
    return ns;
  };
  const lookupIn =
    (home: string | undefined) =>
    (n: string): Value | undefined => {
      const own = home === undefined ? undefined : world.packages?.get(home)?.get(n);
      if (own) return fnOf(own, home);
      const def = world.macros.get(n);
      if (def) return fnOf(def, undefined);
      return natives[n] ?? globals[n] ?? world.globals?.[n] ?? packageNamespace(n);
    };
  const lookup = lookupIn(undefined);
  const lookups = new Map<string | undefined, (n: string) => Value | undefined>([[undefined, lookup]]);
  const scopeOf = (home: string | undefined) => {
    let l = lookups.get(home);
    if (!l) {
      l = lookupIn(home);
      lookups.set(home, l);
    }
    return l;
  };
  const invoke = (def: MacroDef, home: string | undefined, a: Value[], kw: Record<string, Value>): Value => {
    const lookup = scopeOf(home);
    if (!def.body) unsupported(`the macro ${def.name} in ${def.file}`);
    if (budget.depth >= MAX_DEPTH) {
      throw new NotStaticError(
        `macros call each other more than ${MAX_DEPTH} deep (${def.name} in ${def.file} recurses without end?)`,
      );
    }
    let nodes = built.get(def);
    if (!nodes) {
      nodes = build(def.body);
      built.set(def, nodes);
    }
    const scope = new Map<string, Value>();
    def.params.forEach((p, i) => {
      const v =
        i < a.length
          ? a[i]
          : p.name in kw
            ? kw[p.name]
            : p.default
              ? evaluate(p.default, lookup)
              : // Jinja passes an undefined value: not None, so it is not guessed
                new Unknown(`the argument ${p.name} of ${def.name} (not passed)`, []);
      scope.set(p.name, v);
    });
    // Jinja: extra keyword arguments are `kwargs`, extra positional ones `varargs`
    const extra: Record<string, Value> = {};
    for (const [k, v] of Object.entries(kw)) if (!def.params.some((p) => p.name === k)) extra[k] = v;
    scope.set('kwargs', extra);
    scope.set('varargs', a.slice(def.params.length));
    const out: string[] = [];
    budget.depth++;
    try {
      run(nodes, scope, lookup, out, budget);
    } catch (err) {
      if (err instanceof Return) return err.value;
      throw err;
    } finally {
      budget.depth--;
    }
    return out.join('');
  };
  return {
    run(name, args) {
      const f = lookup(name);
      if (!(f instanceof NativeFn)) return unsupported(`the macro ${name}`);
      budget = { steps: 0, depth: 0 };
      return f.call(args, {});
    },
    scope(home) {
      budget = { steps: 0, depth: 0 };
      return scopeOf(home);
    },
    render(text, extra, home) {
      budget = { steps: 0, depth: 0 };
      let nodes = renderedTemplates.get(text);
      if (!nodes) {
        nodes = build(lexTemplate(text));
        renderedTemplates.set(text, nodes);
      }
      const base = scopeOf(home);
      const out: string[] = [];
      try {
        run(nodes, new Map(), (n) => extra(n) ?? base(n), out, budget);
      } catch (err) {
        if (err instanceof Return) return pyStr(err.value);
        throw err;
      }
      return out.join('');
    },
  };
}

/** Parsed ad-hoc templates (YAML config values holding `{% %}`), by text. */
const renderedTemplates = new Map<string, Node[]>();

export interface MacroEnvironment {
  /** Calls a macro of the root project's namespace (or a dbt built-in) with positional arguments. */
  run: MacroRunner;
  /**
   * The names a template of package `home` sees (undefined: the root project): its own package's
   * macros, the root project's, dbt's built-ins and context, `<package>` namespaces. Starts a new budget.
   */
  scope(home: string | undefined): (n: string) => Value | undefined;
  /** Renders a template text (a YAML value with `{% %}`), `extra` names first. Starts a new budget. */
  render(text: string, extra: (n: string) => Value | undefined, home: string | undefined): string;
}

/** A runner for one world: built-ins, globals and parsed macro bodies are prepared once. */
export function macroRunner(world: MacroWorld): MacroRunner {
  const env = macroEnvironment(world);
  return (name, args) => env.run(name, args);
}

/**
 * Renders a whole template (not a macro) in a world: what the differential tests compare with Jinja2.
 * Throws NotStaticError for what Backflow does not evaluate.
 */
export function renderTemplate(text: string, world: MacroWorld): string {
  // Jinja drops one trailing newline of a template (keep_trailing_newline is off in dbt's environment).
  if (text.endsWith('\n')) text = text.slice(0, -1);
  const def: MacroDef = {
    name: '__template__',
    file: '<template>',
    line: 1,
    params: [],
    body: lexTemplate(text),
  };
  const macros = new Map(world.macros);
  macros.set(def.name, def);
  return pyStr(macroRunner({ ...world, macros })(def.name, []));
}

/** Calls macro `name` (a project macro, else a dbt built-in) with positional arguments. */
export function callMacro(name: string, args: Value[], world: MacroWorld): Value {
  return macroRunner(world)(name, args);
}
