/**
 * Macro definitions of the root project: every `{% macro %}` with its parameters and body, so the naming
 * overrides (`generate_schema_name`, `generate_alias_name`, `generate_database_name`, their dispatch
 * variants) can be run together with the project macros they call. Only files that define a macro are lexed.
 */
import { parseExpression, type Expr } from './jinja/expr';
import { lexTemplate, lineAt, statementKeyword, type Part } from './jinja/template';

export interface MacroParam {
  name: string;
  default?: Expr;
}

export interface MacroDef {
  name: string;
  file: string;
  line: number;
  params: MacroParam[];
  /** The template between `{% macro %}` and `{% endmacro %}`; undefined when it could not be parsed. */
  body?: Part[];
}

const MACRO_HEADER = /\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;

/** The macros a file defines, in file order. */
export function extractMacros(text: string, file: string): MacroDef[] {
  if (!text.includes('macro')) return [];
  const names: { name: string; line: number }[] = [];
  for (const m of text.matchAll(MACRO_HEADER)) names.push({ name: m[1], line: lineAt(text, m.index ?? 0) });
  if (names.length === 0) return [];
  let parts: Part[];
  try {
    parts = lexTemplate(text);
  } catch {
    return names.map((n) => ({ ...n, file, params: [] }));
  }
  const out: MacroDef[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.k !== 'stmt' || statementKeyword(p.src) !== 'macro') continue;
    const header = p.src.replace(/^\s*macro\s+/, '');
    let def: MacroDef;
    try {
      const e = parseExpression(header);
      if (e.t !== 'call' || e.f.t !== 'name') continue;
      const params: MacroParam[] = [];
      for (const a of e.args) if (a.t === 'name') params.push({ name: a.n });
      for (const kw of e.kwargs) if (kw.name !== '**') params.push({ name: kw.name, default: kw.value });
      def = { name: e.f.n, file, line: lineAt(text, p.pos), params };
    } catch {
      continue;
    }
    let depth = 1;
    const body: Part[] = [];
    let j = i + 1;
    for (; j < parts.length; j++) {
      const q = parts[j];
      if (q.k === 'stmt') {
        const kw = statementKeyword(q.src);
        if (kw === 'macro') depth++;
        else if (kw === 'endmacro' && --depth === 0) break;
      }
      body.push(q);
    }
    i = j;
    out.push(depth === 0 ? { ...def, body } : def);
  }
  // a header the lexer did not see as a macro (odd syntax): known by name only, never evaluated
  for (const n of names) if (!out.some((d) => d.name === n.name)) out.push({ ...n, file, params: [] });
  return out;
}
