/**
 * The relations a SQL model's query reads, found without a warehouse: `backflow source setup-sql` grants
 * read on their schemas, and it runs before Backflow may connect (the admin runs its output first).
 *
 * A scanner, not a parser: it tokenizes the SQL of any of the five warehouses (comments, '…' strings,
 * $tag$ bodies, "…" and `…` identifiers) and reads the names after FROM and JOIN, and after the commas of a
 * FROM list. Names followed by `(` are functions (`generate_series(…)`, `unnest(…)`, `table(flatten(…))`);
 * FROM inside a function call's parentheses (`extract(year from o.ts)`, `substring(s from 2)`) is not a
 * clause. A SQL parser library would know more, but the multi-dialect one (node-sql-parser) installs 89 MB,
 * a quarter of Backflow's install, for what only needs the schema qualifiers; a name this misses is still
 * covered by the source's default `schema` and its `read_schemas`, and source test names what is missing.
 */

/** One part of a dotted name: its text, and whether it was quoted (quoted names keep their case). */
export interface NamePart {
  text: string;
  quoted: boolean;
}

/** A relation as written: 1 to 3 parts, the last being the relation's name. */
export type WrittenName = NamePart[];

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'ident'; text: string; backtick: boolean }
  | { kind: 'punct'; text: string };

/** Words after a relation that end it (anything else there is its alias). */
const ENDS_RELATION = new Set(
  (
    'where join inner left right full cross natural on using group order limit having union except ' +
    'intersect window qualify offset fetch for tablesample pivot unpivot match_recognize sample at before ' +
    'changes connect start lateral semi anti outer select'
  ).split(' '),
);

/** Words that end a FROM clause: a comma after them is no longer a FROM list's. */
const ENDS_FROM = new Set(
  (
    'where group order having limit union except intersect window qualify offset fetch select returning ' +
    'values set into'
  ).split(' '),
);

/** The relations `sql` reads, each as written (CTE names included: they are unqualified). */
export function relationsRead(sql: string): WrittenName[] {
  const tokens = tokenize(sql);
  const out: WrittenName[] = [];
  // Per open parenthesis: is it a function call's (FROM there is an argument, not a clause)?
  const calls: boolean[] = [];
  // Per depth: inside a FROM clause, where a comma starts another relation (also after a JOIN's ON/USING).
  const inFrom: boolean[] = [false];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const depth = calls.length;
    if (t.kind === 'punct' && t.text === '(') {
      const prev = tokens[i - 1];
      const next = tokens[i + 1];
      const subquery = next?.kind === 'word' && /^(select|with|values)$/i.test(next.text);
      calls.push(!subquery && (prev?.kind === 'word' || prev?.kind === 'ident'));
      inFrom[calls.length] = false;
      continue;
    }
    if (t.kind === 'punct' && t.text === ')') {
      calls.pop();
      continue;
    }
    if (calls[depth - 1] === true) continue;
    if (t.kind === 'punct' && t.text === ',' && inFrom[depth]) {
      i = readRelationList(tokens, i + 1, out) - 1;
      continue;
    }
    if (t.kind !== 'word') continue;
    if (ENDS_FROM.has(t.text.toLowerCase())) inFrom[depth] = false;
    else if (/^(from|join)$/i.test(t.text)) {
      inFrom[depth] = true;
      i = readRelationList(tokens, i + 1, out) - 1;
    }
  }
  return out;
}

/** Reads `name [AS] [alias] {, name [AS] [alias]}` from `i`; returns the index after it. */
function readRelationList(tokens: Token[], start: number, out: WrittenName[]): number {
  let i = start;
  for (;;) {
    while (tokens[i]?.kind === 'word' && /^(only|lateral)$/i.test((tokens[i] as { text: string }).text)) i++;
    const name: WrittenName = [];
    const read = (t: Token | undefined): boolean => {
      if (t?.kind === 'ident') {
        // BigQuery writes `project.dataset.table` as one quoted token.
        for (const p of t.backtick ? t.text.split('.') : [t.text]) name.push({ text: p, quoted: true });
        return true;
      }
      if (t?.kind === 'word') {
        name.push({ text: t.text, quoted: false });
        return true;
      }
      return false;
    };
    if (!read(tokens[i])) return i;
    i++;
    while (tokens[i]?.kind === 'punct' && (tokens[i] as { text: string }).text === '.' && read(tokens[i + 1]))
      i += 2;
    const next = tokens[i];
    if (next?.kind === 'punct' && next.text === '(') return i; // a function, read as a clause of its own
    if (name.length <= 3) out.push(name);
    // Alias: `AS x`, or a bare word that does not start the next clause.
    if (tokens[i]?.kind === 'word' && /^as$/i.test((tokens[i] as { text: string }).text)) i += 2;
    else if (
      tokens[i]?.kind === 'ident' ||
      (tokens[i]?.kind === 'word' && !ENDS_RELATION.has((tokens[i] as { text: string }).text.toLowerCase()))
    )
      i++;
    if (tokens[i]?.kind === 'punct' && (tokens[i] as { text: string }).text === ',') {
      i++;
      continue;
    }
    return i;
  }
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (/\s/.test(c)) i++;
    else if (c === '-' && sql[i + 1] === '-') i = lineEnd(sql, i);
    else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'") i = quotedEnd(sql, i, "'");
    else if (c === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      i = end < 0 ? n : end + tag.length;
    } else if (c === '"' || c === '`') {
      const end = quotedEnd(sql, i, c);
      const body = sql
        .slice(i + 1, end - 1)
        .split(c + c)
        .join(c);
      tokens.push({ kind: 'ident', text: body, backtick: c === '`' });
      i = end;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i, i + 256))!;
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else {
      tokens.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return tokens;
}

function lineEnd(sql: string, i: number): number {
  const end = sql.indexOf('\n', i);
  return end < 0 ? sql.length : end + 1;
}

/** Index after the closing `q` of a quoted run starting at `i` (a doubled `q` is an escaped one). */
function quotedEnd(sql: string, i: number, q: string): number {
  let j = i + 1;
  while (j < sql.length) {
    if (sql[j] === q) {
      if (sql[j + 1] === q) j += 2;
      else return j + 1;
    } else j++;
  }
  return sql.length;
}
