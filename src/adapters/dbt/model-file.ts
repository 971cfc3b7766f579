/**
 * What a model file says about its own config: `{{ config(...) }}` in .sql, `dbt.config(...)` in .py.
 * Only the configs that decide the relation are kept (`CONFIG_KEYS`), with the line of each value; a
 * call Backflow cannot read (inside `{% if %}`, `**kwargs`, a macro as the value...) is kept as a problem
 * for the keys it sets, so a hook or a tag computed by a macro never stands in the way.
 */
import { CONFIG_KEYS, isConfigKey, type Condition, type ConfigKey, type RawValue } from './config-values';
import { DbtLoadError } from './errors';
import { parseArguments, parseExpression, type Expr, type KwArg } from './jinja/expr';
import { lexTemplate, lineAt, statementKeyword, TemplateSyntaxError } from './jinja/template';

export interface ModelConfigValue {
  key: ConfigKey;
  raw: RawValue;
  line: number;
}

export interface ModelFileSummary {
  language: 'sql' | 'python';
  /** In file order: a later call overrides an earlier one. */
  configs: ModelConfigValue[];
}

const BLOCKS = new Set(['if', 'for', 'macro', 'call', 'filter', 'block', 'with']);
const CONFIG_CALL = /\bconfig\s*\(/;

/** The relevant keys a piece of unreadable text seems to set (`materialized=`...), for problems. */
function keysMentioned(src: string): ConfigKey[] {
  return CONFIG_KEYS.filter((k) => new RegExp(`\\b${k}\\b\\s*[=:'"]`).test(src) || src.includes(`'${k}'`));
}

function fromKwargs(
  kwargs: KwArg[],
  args: Expr[],
  lineOf: (pos: number) => number,
  callLine: number,
  literalOnly: boolean,
  what: string,
  lets?: [string, Expr][],
  when?: Condition[],
): ModelConfigValue[] {
  const out: ModelConfigValue[] = [];
  const context = {
    ...(lets && lets.length > 0 ? { lets } : {}),
    ...(when && when.length > 0 ? { when } : {}),
  };
  const add = (key: string, value: Expr, line: number) => {
    if (key === '**') {
      for (const k of CONFIG_KEYS) {
        out.push({
          key: k,
          raw: literalOnly
            ? { problem: `${what} only takes literal values in Python models, not **mappings` }
            : { spread: value, ...context },
          line,
        });
      }
      return;
    }
    if (!isConfigKey(key)) return;
    if (literalOnly && !isLiteral(value)) {
      out.push({ key, raw: { problem: `${what} only takes literal values in Python models` }, line });
    } else out.push({ key, raw: { expr: value, ...context }, line });
  };
  for (const a of args) {
    if (a.t !== 'dict') {
      return CONFIG_KEYS.map((key) => ({
        key,
        raw: { problem: `${what} with a positional argument that is not a dict` },
        line: callLine,
      }));
    }
    for (const [k, v] of a.entries) if (k.t === 'lit' && typeof k.v === 'string') add(k.v, v, callLine);
  }
  for (const kw of kwargs) add(kw.name, kw.value, lineOf(kw.pos));
  return out;
}

function isLiteral(e: Expr): boolean {
  if (e.t === 'lit') return true;
  if (e.t === 'neg') return e.e.t === 'lit' && typeof e.e.v === 'number';
  if (e.t === 'list') return e.items.every(isLiteral);
  if (e.t === 'dict') return e.entries.every(([k, v]) => isLiteral(k) && isLiteral(v));
  return false;
}

export function summariseSqlModel(text: string, file: string): ModelFileSummary {
  const configs: ModelConfigValue[] = [];
  if (!CONFIG_CALL.test(text)) return { language: 'sql', configs };
  let parts;
  try {
    parts = lexTemplate(text);
  } catch (err) {
    if (!(err instanceof TemplateSyntaxError)) throw err;
    throw new DbtLoadError(`Jinja syntax error: ${err.message}`, {
      file,
      line: lineAt(text, err.pos),
      hint: 'Fix the Jinja tag; dbt cannot compile this model either.',
    });
  }
  // Open blocks; an `{% if %}` frame keeps its earlier branches' conditions (all false in this branch)
  // and the current branch's (true), so a config() inside it applies exactly when dbt would call it.
  const stack: { kw: string; prior: Expr[]; current?: Expr; unreadable?: boolean }[] = [];
  // Top-level `{% set x = ... %}` before a config() call: dbt renders the file in order, so the call sees them.
  const lets: [string, Expr][] = [];
  const parseCond = (src: string): Expr | undefined => {
    try {
      return parseExpression(src);
    } catch {
      return undefined;
    }
  };
  for (const part of parts) {
    if (part.k === 'stmt') {
      const kw = statementKeyword(part.src);
      const rest = part.src.trim().slice(kw.length);
      const top = stack[stack.length - 1];
      if (kw === 'if') {
        const c = parseCond(rest);
        stack.push({ kw, prior: [], current: c, unreadable: c === undefined });
      } else if ((kw === 'elif' || kw === 'else') && top?.kw === 'if') {
        if (top.current) top.prior.push(top.current);
        top.current = kw === 'elif' ? parseCond(rest) : undefined;
        if (kw === 'elif' && top.current === undefined) top.unreadable = true;
      } else if (BLOCKS.has(kw) || (kw === 'set' && !part.src.includes('='))) {
        stack.push({ kw, prior: [] });
      } else if (kw.startsWith('end') && stack.length > 0) stack.pop();
      else if (kw === 'set' && stack.length === 0) {
        const m = /^\s*set\s+([A-Za-z_][A-Za-z0-9_]*)\s*=([\s\S]*)$/.exec(part.src);
        if (m) {
          try {
            lets.push([m[1], parseExpression(m[2])]);
          } catch {
            // a set the loader cannot parse: a config() value that uses it fails as an unknown name
          }
        }
      }
      continue;
    }
    if (part.k !== 'expr' || !CONFIG_CALL.test(part.src)) continue;
    const line = lineAt(text, part.pos);
    const problem = (message: string): void => {
      for (const key of keysMentioned(part.src)) configs.push({ key, raw: { problem: message }, line });
    };
    let expr: Expr;
    try {
      expr = parseExpression(part.src);
    } catch (err) {
      problem(`the config() call cannot be read statically (${(err as Error).message})`);
      continue;
    }
    if (expr.t !== 'call' || expr.f.t !== 'name' || expr.f.n !== 'config') {
      problem('config() is used inside a larger Jinja expression');
      continue;
    }
    const blocking = stack.find((f) => f.kw !== 'if' || f.unreadable);
    if (blocking) {
      problem(`config() is called inside a {% ${blocking.kw} %} block`);
      continue;
    }
    const when: Condition[] = stack.flatMap((f) => [
      ...f.prior.map((c) => ({ c, want: false })),
      ...(f.current ? [{ c: f.current, want: true }] : []),
    ]);
    configs.push(
      ...fromKwargs(
        expr.kwargs,
        expr.args,
        (pos) => lineAt(text, part.pos + pos),
        line,
        false,
        'config()',
        lets.slice(),
        when,
      ),
    );
  }
  return { language: 'sql', configs };
}

/** Offsets of `dbt.config(` calls (the offset of the `(`) outside Python strings and comments. */
function findPythonConfigCalls(text: string): number[] {
  const out: number[] = [];
  const n = text.length;
  for (let i = 0; i < n;) {
    const c = text[i];
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === "'" || c === '"') {
      i = skipPythonString(text, i);
      continue;
    }
    if (c === 'd' && text.startsWith('dbt', i) && !/[A-Za-z0-9_.]/.test(text[i - 1] ?? '')) {
      const m = /^dbt\s*\.\s*config\s*\(/.exec(text.slice(i, i + 40));
      if (m) {
        out.push(i + m[0].length - 1);
        i += m[0].length;
        continue;
      }
    }
    i++;
  }
  return out;
}

function skipPythonString(text: string, i: number): number {
  const q = text[i];
  const triple = text.startsWith(q.repeat(3), i);
  const close = triple ? q.repeat(3) : q;
  let k = i + close.length;
  while (k < text.length) {
    if (text[k] === '\\') {
      k += 2;
      continue;
    }
    if (text.startsWith(close, k)) return k + close.length;
    if (!triple && text[k] === '\n') return k;
    k++;
  }
  return k;
}

/** Offset of the `)` matching the `(` at `open`. */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let k = open; k < text.length;) {
    const c = text[k];
    if (c === "'" || c === '"') {
      k = skipPythonString(text, k);
      continue;
    }
    if (c === '#') {
      while (k < text.length && text[k] !== '\n') k++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return k;
    }
    k++;
  }
  return -1;
}

export function summarisePythonModel(text: string, file: string): ModelFileSummary {
  const configs: ModelConfigValue[] = [];
  for (const open of findPythonConfigCalls(text)) {
    const line = lineAt(text, open);
    const close = matchingParen(text, open);
    if (close < 0) {
      throw new DbtLoadError('dbt.config( is never closed', { file, line, hint: 'Fix the Python syntax.' });
    }
    const inner = text.slice(open + 1, close);
    let parsed;
    try {
      parsed = parseArguments(inner, true);
    } catch (err) {
      for (const key of keysMentioned(inner)) {
        configs.push({
          key,
          raw: { problem: `dbt.config() cannot be read statically (${(err as Error).message})` },
          line,
        });
      }
      continue;
    }
    configs.push(
      ...fromKwargs(
        parsed.kwargs,
        parsed.args,
        (pos) => lineAt(text, open + 1 + pos),
        line,
        true,
        'dbt.config()',
      ),
    );
  }
  return { language: 'python', configs };
}
