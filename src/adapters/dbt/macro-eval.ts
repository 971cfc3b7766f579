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
import { statementKeyword, type Part } from './jinja/template';
import type { MacroDef } from './macros';

export interface MacroTarget {
  schema: string;
  /** Undefined when the target database is not known: the default database name is then left out. */
  database?: string;
  name: string | Unknown;
}

export interface MacroWorld {
  macros: ReadonlyMap<string, MacroDef>;
  target: MacroTarget;
  var: NativeFn;
  envVar: NativeFn;
}

/** The `node` a naming macro receives (only what Backflow knows; other attributes are not guessed). */
export interface MacroNode {
  name: string;
  version: string | number | null;
  package_name: string;
  resource_type: 'model';
}

type Node =
  | { k: 'text'; s: string }
  | { k: 'out'; e: Expr }
  | { k: 'set'; name: string; e: Expr }
  | { k: 'if'; branches: { c: Expr; body: Node[] }[]; otherwise: Node[] }
  | { k: 'do'; e: Expr };

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
          const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=([\s\S]*)$/.exec(rest);
          if (!m) unsupported('this form of {% set %}');
          nodes.push({ k: 'set', name: m[1], e: parseExpression(m[2]) });
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

function run(
  nodes: Node[],
  scope: Map<string, Value>,
  lookup: (n: string) => Value | undefined,
  out: string[],
) {
  const get = (n: string) => (scope.has(n) ? scope.get(n) : lookup(n));
  for (const node of nodes) {
    switch (node.k) {
      case 'text':
        out.push(node.s);
        break;
      case 'out':
        out.push(pyStr(evaluate(node.e, get)));
        break;
      case 'set':
        scope.set(node.name, evaluate(node.e, get));
        break;
      case 'do':
        evaluate(node.e, get);
        break;
      case 'if': {
        const branch = node.branches.find((b) => truthy(evaluate(b.c, get)));
        run(branch ? branch.body : node.otherwise, scope, lookup, out);
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

/** A runner for one world: built-ins, globals and parsed macro bodies are prepared once. */
export function macroRunner(world: MacroWorld): MacroRunner {
  const natives = builtins(world);
  const target: Record<string, Value> = {
    schema: world.target.schema,
    name: world.target.name,
    database: world.target.database ?? new Unknown('target.database', [], 'Set the target database.'),
  };
  const globals: Record<string, Value> = {
    target,
    var: world.var,
    env_var: world.envVar,
    log: new NativeFn('log', () => ''),
    return: new NativeFn('return', ([v = null]) => {
      throw new Return(v);
    }),
  };
  const projectMacros = new Map<string, NativeFn>();
  const lookup = (n: string): Value | undefined => {
    const def = world.macros.get(n);
    if (def) {
      let f = projectMacros.get(n);
      if (!f) {
        f = new NativeFn(n, (a, kw) => invoke(def, a, kw));
        projectMacros.set(n, f);
      }
      return f;
    }
    return natives[n] ?? globals[n];
  };
  const invoke = (def: MacroDef, a: Value[], kw: Record<string, Value>): Value => {
    if (!def.body) unsupported(`the macro ${def.name} in ${def.file}`);
    let nodes = built.get(def);
    if (!nodes) {
      nodes = build(def.body);
      built.set(def, nodes);
    }
    const scope = new Map<string, Value>();
    def.params.forEach((p, i) => {
      const v =
        i < a.length ? a[i] : p.name in kw ? kw[p.name] : p.default ? evaluate(p.default, lookup) : null;
      scope.set(p.name, v);
    });
    const out: string[] = [];
    try {
      run(nodes, scope, lookup, out);
    } catch (err) {
      if (err instanceof Return) return err.value;
      throw err;
    }
    return out.join('');
  };
  return (name, args) => {
    const f = lookup(name);
    if (!(f instanceof NativeFn)) return unsupported(`the macro ${name}`);
    return f.call(args, {});
  };
}

/** Calls macro `name` (a project macro, else a dbt built-in) with positional arguments. */
export function callMacro(name: string, args: Value[], world: MacroWorld): Value {
  return macroRunner(world)(name, args);
}
