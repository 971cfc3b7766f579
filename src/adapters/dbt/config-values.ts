/**
 * Model configs as written (in dbt_project.yml, properties YAML or `config()`), where each was set, and
 * their evaluation: literals as they are, `var()` / `env_var()` with dbt's rules, `{{ }}` in YAML strings
 * rendered, anything else a `NotStaticError` naming the file and line.
 */
import { DbtLoadError, NotStaticError } from './errors';
import { evaluate, NativeFn, pyStr, truthy, Unknown, type Value } from './jinja/evaluate';
import type { Expr } from './jinja/expr';
import { parseExpression } from './jinja/expr';
import { lexTemplate } from './jinja/template';
import type { MacroEnvironment } from './macro-eval';

/** The configs that decide whether a model has a relation, and which. Others are not read. */
export const CONFIG_KEYS = ['enabled', 'materialized', 'database', 'schema', 'alias'] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];
export const isConfigKey = (k: string): k is ConfigKey => (CONFIG_KEYS as readonly string[]).includes(k);

export type ConfigOrigin =
  /** `path` is the key path in dbt_project.yml, e.g. `models.jaffle.marts`. */
  | { kind: 'dbt_project.yml'; file: string; line?: number; path: string }
  | { kind: 'properties'; file: string; line?: number }
  | { kind: 'config()'; file: string; line: number };

/** A value as written: YAML (whose strings may hold Jinja), an expression from `config()`, or unreadable. */
/**
 * A value as written: YAML (whose strings may hold Jinja), an expression from `config()` — with the
 * top-level `{% set name = ... %}` statements before it in the file, which it may use — or unreadable.
 */
export type RawValue =
  | { yaml: unknown }
  | { expr: Expr; lets?: [string, Expr][]; when?: Condition[] }
  /** `config(**mapping)`: the key's entry of the mapping, when it has one. */
  | { spread: Expr; lets?: [string, Expr][]; when?: Condition[] }
  | { problem: string };

/** A `{% if %}` around a `config()` call: the call counts only when every condition is as wanted. */
export interface Condition {
  c: Expr;
  want: boolean;
}

export interface ConfigEntry {
  raw: RawValue;
  origin: ConfigOrigin;
  /**
   * The entry of lower precedence, used when this one turns out not to set the key (a `config()` inside
   * an `{% if %}` whose condition is false, a `**mapping` without the key).
   */
  below?: ConfigEntry;
}

/** What a conditional or spread entry gives when it does not set the key. */
const ABSENT = Symbol('absent');

export type RawConfig = Partial<Record<ConfigKey, ConfigEntry>>;

export interface EvalContext {
  /** The var() lookup of the model's package (dbt's precedence already applied). */
  vars: (name: string) => { value: unknown } | undefined;
  /** Names of the vars visible to the model, for the error message when one is missing. */
  varNames: () => string[];
  env: Record<string, string | undefined>;
  targetName?: string;
  targetSchema: string;
  targetDatabase?: string;
  /** The model the value is evaluated for, for messages. */
  modelName: string;
  /** The macros the value may call, and the model's package (undefined: the root project). */
  macros?: MacroEnvironment;
  home?: string;
}

const VAR_HINT =
  "Give the variable a default (var('name', 'default')), set it under vars: in dbt_project.yml, or pass it in " +
  "the git sync's vars.";
const ENV_HINT =
  "Set the environment variable where Backflow runs, give it a default (env_var('NAME', 'default')), or provide a manifest.";

export function varFunction(ctx: EvalContext): NativeFn {
  return new NativeFn('var', (args) => {
    const name = pyStr(args[0] ?? null);
    const found = ctx.vars(name);
    if (found) return found.value as Value;
    if (args.length > 1) return args[1];
    throw new NotStaticError(
      `Required var '${name}' not found in config: vars supplied to ${ctx.modelName} = ${JSON.stringify(
        Object.fromEntries(ctx.varNames().map((n) => [n, ctx.vars(n)?.value])),
      )}`,
      { hint: VAR_HINT },
    );
  });
}

export function envVarFunction(env: Record<string, string | undefined>): NativeFn {
  return new NativeFn('env_var', (args) => {
    const name = pyStr(args[0] ?? null);
    const v = env[name];
    if (v !== undefined) return v;
    if (args.length > 1) return args[1] === null ? null : pyStr(args[1]);
    throw new NotStaticError(`Env var required but not provided: '${name}'`, { hint: ENV_HINT });
  });
}

function scopeFor(ctx: EvalContext) {
  const target = {
    name:
      ctx.targetName ??
      new Unknown(
        'target.name',
        [],
        'Set the target name Backflow should assume (targetName), or provide a manifest.',
      ),
    schema: ctx.targetSchema,
    database:
      ctx.targetDatabase ??
      new Unknown('target.database', [], 'Set the target database, or provide a manifest.'),
  };
  const names: Record<string, Value> = { var: varFunction(ctx), env_var: envVarFunction(ctx.env), target };
  if (!ctx.macros) return (n: string) => names[n];
  const macros = ctx.macros.scope(ctx.home);
  return (n: string) => names[n] ?? macros(n);
}

/** The scope with the file's `{% set %}` values, each evaluated only when used (in file order). */
function withLets(scope: (n: string) => Value | undefined, lets: [string, Expr][] | undefined) {
  if (!lets || lets.length === 0) return scope;
  const memo = new Map<number, Value>();
  const at = (i: number): Value => {
    if (!memo.has(i)) {
      const earlier = (n: string): Value | undefined => {
        for (let j = i - 1; j >= 0; j--) if (lets[j][0] === n) return at(j);
        return scope(n);
      };
      memo.set(i, evaluate(lets[i][1], earlier));
    }
    return memo.get(i)!;
  };
  return (n: string): Value | undefined => {
    for (let j = lets.length - 1; j >= 0; j--) if (lets[j][0] === n) return at(j);
    return scope(n);
  };
}

/** Renders a YAML string that holds Jinja: one `{{ expr }}` keeps the value's type; text around makes a string. */
function renderYamlString(s: string, ctx: EvalContext): Value {
  const parts = lexTemplate(s);
  const scope = scopeFor(ctx);
  if (parts.length === 1 && parts[0].k === 'expr') return evaluate(parseExpression(parts[0].src), scope);
  // `{% if %}` and other statements: rendered as dbt renders the string (the result is text).
  if (ctx.macros && parts.some((p) => p.k === 'stmt')) {
    const names = scopeFor({ ...ctx, macros: undefined });
    return ctx.macros.render(s, names, ctx.home);
  }
  let out = '';
  for (const p of parts) {
    if (p.k === 'text') out += p.s;
    else if (p.k === 'expr') out += pyStr(evaluate(parseExpression(p.src), scope));
    else throw new NotStaticError(`the value uses a Jinja statement {% ${p.src.trim()} %}`);
  }
  return out;
}

function describeOrigin(o: ConfigOrigin): { file: string; line?: number } {
  return { file: o.file, line: o.line };
}

/** Evaluates one config entry for a model. Throws NotStaticError (with file and line) or DbtLoadError. */
export function evaluateEntry(key: ConfigKey, entry: ConfigEntry, ctx: EvalContext): unknown {
  const place = describeOrigin(entry.origin);
  let value: unknown;
  try {
    if ('problem' in entry.raw) throw new NotStaticError(entry.raw.problem);
    if ('expr' in entry.raw || 'spread' in entry.raw) {
      const scope = withLets(scopeFor(ctx), entry.raw.lets);
      value = evaluateCall(key, entry.raw, scope);
      if (value === ABSENT) return entry.below ? evaluateEntry(key, entry.below, ctx) : undefined;
    } else {
      value = entry.raw.yaml;
      if (typeof value === 'string' && (value.includes('{{') || value.includes('{%'))) {
        value = renderYamlString(value, ctx);
      }
    }
  } catch (err) {
    if (err instanceof NotStaticError) {
      throw new NotStaticError(`${key} of model ${ctx.modelName} cannot be read statically: ${err.message}`, {
        ...place,
        hint: err.hint,
      });
    }
    if (err instanceof Error && (err.name === 'ExprSyntaxError' || err.name === 'TemplateSyntaxError')) {
      throw new NotStaticError(
        `${key} of model ${ctx.modelName} cannot be read statically: ${err.message}`,
        place,
      );
    }
    throw err;
  }
  return normalise(key, value, place);
}

function evaluateCall(
  key: ConfigKey,
  raw: Extract<RawValue, { lets?: unknown }>,
  scope: (n: string) => Value | undefined,
): Value | typeof ABSENT {
  for (const w of raw.when ?? []) if (truthy(evaluate(w.c, scope)) !== w.want) return ABSENT;
  if ('expr' in raw) return evaluate(raw.expr, scope);
  const m = evaluate(raw.spread, scope);
  if (m instanceof Unknown) throw new NotStaticError(`${m.what} is not known`, { hint: m.hint });
  if (!m || typeof m !== 'object' || Array.isArray(m) || m instanceof NativeFn) {
    throw new NotStaticError('config(**value) needs a mapping');
  }
  return Object.prototype.hasOwnProperty.call(m, key) ? m[key] : ABSENT;
}

function normalise(key: ConfigKey, value: unknown, place: { file: string; line?: number }): unknown {
  if (value instanceof Unknown || value instanceof NativeFn) {
    throw new NotStaticError(`${key} cannot be read statically`, place);
  }
  if (key === 'enabled') {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && /^(true|false)$/i.test(value.trim()))
      return value.trim().toLowerCase() === 'true';
    throw new DbtLoadError(`enabled must be true or false, not ${JSON.stringify(value)}`, place);
  }
  if (value === null || value === undefined) return key === 'materialized' ? undefined : null;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') {
    throw new DbtLoadError(`${key} must be a string, not ${JSON.stringify(value)}`, place);
  }
  return value;
}
