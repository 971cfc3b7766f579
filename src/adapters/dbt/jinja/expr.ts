/**
 * A parser for Jinja expressions (and Python literal argument lists, for `dbt.config(...)` in Python
 * models), with Jinja's precedence. It only builds a syntax tree; what may be evaluated, and how, is up to
 * the evaluator's environment (`evaluate.ts`). Trees are plain JSON so parsed files can be cached.
 */

export type Expr =
  | { t: 'lit'; v: string | number | boolean | null }
  | { t: 'list'; items: Expr[] }
  | { t: 'dict'; entries: [Expr, Expr][] }
  | { t: 'name'; n: string }
  | { t: 'attr'; o: Expr; n: string }
  | { t: 'item'; o: Expr; k: Expr }
  | { t: 'call'; f: Expr; args: Expr[]; kwargs: KwArg[] }
  | { t: 'filter'; e: Expr; n: string; args: Expr[] }
  | { t: 'test'; e: Expr; n: string; neg: boolean; args: Expr[] }
  | { t: 'bin'; op: string; l: Expr; r: Expr }
  | { t: 'not'; e: Expr }
  | { t: 'neg'; e: Expr }
  | { t: 'cond'; c: Expr; a: Expr; b?: Expr };

/**
 * A keyword argument, with the offset of its value in the parsed text (for line numbers). The name '**'
 * is `**mapping`: every entry of the mapping is a keyword argument.
 */
export interface KwArg {
  name: string;
  value: Expr;
  pos: number;
}

export class ExprSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
    this.name = 'ExprSyntaxError';
  }
}

type Tok = { k: 'name' | 'str' | 'num' | 'op' | 'eof'; v: string; pos: number; num?: number };

const OPS = [
  '**',
  '//',
  '==',
  '!=',
  '<=',
  '>=',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
  '|',
  '~',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '=',
];

function tokenize(src: string, python: boolean): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    // Jinja's lexer skips any Unicode whitespace (Python's `\s`: a no-break space pasted from a document
    // too); Python source only ASCII whitespace.
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || (!python && /\s/u.test(c))) {
      i++;
      continue;
    }
    if (python && c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\\' && python && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_]/.test(src[i])) i++;
      const word = src.slice(start, i);
      if (python && (src[i] === "'" || src[i] === '"') && /^[rRbBuUfF]{1,2}$/.test(word)) {
        // a prefixed Python string (r'', f''): not a plain literal
        throw new ExprSyntaxError(`a ${word}-prefixed string is not a plain literal`, start);
      }
      toks.push({ k: 'name', v: word, pos: start });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?/.exec(src.slice(i));
      const text = m![0];
      i += text.length;
      toks.push({ k: 'num', v: text, pos: start, num: Number(text.replace(/_/g, '')) });
      continue;
    }
    if (c === "'" || c === '"') {
      if (src.startsWith(c.repeat(3), i))
        throw new ExprSyntaxError('triple-quoted strings are not supported', i);
      let out = '';
      i++;
      for (;;) {
        if (i >= n) throw new ExprSyntaxError('unterminated string', start);
        const d = src[i];
        if (d === c) {
          i++;
          break;
        }
        // Jinja string literals may span lines (dbt projects write long hooks that way); Python's may not.
        if (d === '\n' && python) throw new ExprSyntaxError('unterminated string', start);
        if (d === '\\') {
          // Python's string escapes (Jinja unescapes literals the way Python does)
          const e = src[i + 1];
          const map: Record<string, string> = {
            n: '\n',
            t: '\t',
            r: '\r',
            a: '\x07',
            b: '\b',
            f: '\f',
            v: '\v',
            '\\': '\\',
            "'": "'",
            '"': '"',
            '\n': '',
          };
          const octal = /^[0-7]{1,3}/.exec(src.slice(i + 1, i + 4));
          const hex = /^(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))/.exec(
            src.slice(i + 1, i + 10),
          );
          if (octal) {
            out += String.fromCodePoint(parseInt(octal[0], 8));
            i += 1 + octal[0].length;
            continue;
          }
          if (hex) {
            const cp = parseInt(hex[1] ?? hex[2] ?? hex[3], 16);
            if (cp > 0x10ffff) throw new ExprSyntaxError('invalid \\U escape', i);
            out += String.fromCodePoint(cp);
            i += 1 + hex[0].length;
            continue;
          }
          if (e === 'N' || e === 'x' || e === 'u' || e === 'U') {
            throw new ExprSyntaxError(`the string escape \\${e} is not supported here`, i);
          }
          if (e !== undefined && e in map) out += map[e];
          else out += '\\' + (e ?? '');
          i += 2;
          continue;
        }
        out += d;
        i++;
      }
      toks.push({ k: 'str', v: out, pos: start });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprSyntaxError(`unexpected character ${JSON.stringify(c)}`, i);
    toks.push({ k: 'op', v: op, pos: i });
    i += op.length;
  }
  toks.push({ k: 'eof', v: '', pos: n });
  return toks;
}

const COMPARE = new Set(['==', '!=', '<', '>', '<=', '>=']);

class Parser {
  private p = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly python: boolean,
  ) {}

  private get cur(): Tok {
    return this.toks[this.p];
  }
  private peek(k = 1): Tok {
    return this.toks[Math.min(this.p + k, this.toks.length - 1)];
  }
  private isOp(v: string): boolean {
    return this.cur.k === 'op' && this.cur.v === v;
  }
  private isName(v: string): boolean {
    return this.cur.k === 'name' && this.cur.v === v;
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) throw this.unexpected(`expected "${v}"`);
    this.p++;
  }
  private unexpected(what = 'unexpected token'): ExprSyntaxError {
    const t = this.cur;
    return new ExprSyntaxError(t.k === 'eof' ? `${what} at the end` : `${what} near "${t.v}"`, t.pos);
  }

  atEnd(): boolean {
    return this.cur.k === 'eof';
  }
  curPos(): number {
    return this.cur.pos;
  }

  expression(): Expr {
    const a = this.or();
    if (!this.python && this.isName('if')) {
      this.p++;
      const c = this.or();
      let b: Expr | undefined;
      if (this.isName('else')) {
        this.p++;
        b = this.expression();
      }
      return { t: 'cond', c, a, b };
    }
    return a;
  }

  private or(): Expr {
    let l = this.and();
    while (this.isName('or')) {
      this.p++;
      l = { t: 'bin', op: 'or', l, r: this.and() };
    }
    return l;
  }

  private and(): Expr {
    let l = this.not();
    while (this.isName('and')) {
      this.p++;
      l = { t: 'bin', op: 'and', l, r: this.not() };
    }
    return l;
  }

  private not(): Expr {
    if (this.isName('not')) {
      this.p++;
      return { t: 'not', e: this.not() };
    }
    return this.compare();
  }

  /** Comparisons chain as in Python: `a < b < c` is `a < b and b < c`. */
  private compare(): Expr {
    const first = this.math1();
    let prev = first;
    let out: Expr | undefined;
    for (;;) {
      let op: string;
      if (this.cur.k === 'op' && COMPARE.has(this.cur.v)) {
        op = this.cur.v;
        this.p++;
      } else if (this.isName('in')) {
        op = 'in';
        this.p++;
      } else if (this.isName('not') && this.peek().k === 'name' && this.peek().v === 'in') {
        op = 'not in';
        this.p += 2;
      } else return out ?? first;
      const r = this.math1();
      const cmp: Expr = { t: 'bin', op, l: prev, r };
      out = out ? { t: 'bin', op: 'and', l: out, r: cmp } : cmp;
      prev = r;
    }
  }

  private math1(): Expr {
    let l = this.concat();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.cur.v;
      this.p++;
      l = { t: 'bin', op, l, r: this.concat() };
    }
    return l;
  }

  private concat(): Expr {
    let l = this.math2();
    while (!this.python && this.isOp('~')) {
      this.p++;
      l = { t: 'bin', op: '~', l, r: this.math2() };
    }
    return l;
  }

  private math2(): Expr {
    let l = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.cur.v;
      this.p++;
      l = { t: 'bin', op, l, r: this.unary() };
    }
    return l;
  }

  private unary(): Expr {
    if (this.isOp('-')) {
      this.p++;
      return { t: 'neg', e: this.unary() };
    }
    if (this.isOp('+')) {
      this.p++;
      return this.unary();
    }
    return this.filters(this.postfix(this.primary()));
  }

  private primary(): Expr {
    const t = this.cur;
    if (t.k === 'str') {
      this.p++;
      let v = t.v;
      while (this.cur.k === 'str') v += this.toks[this.p++].v; // adjacent strings concatenate
      return { t: 'lit', v };
    }
    if (t.k === 'num') {
      this.p++;
      return { t: 'lit', v: t.num! };
    }
    if (t.k === 'name') {
      this.p++;
      const lits: Record<string, boolean | null> = this.python
        ? { True: true, False: false, None: null }
        : { true: true, false: false, none: null, True: true, False: false, None: null };
      if (t.v in lits) return { t: 'lit', v: lits[t.v] };
      return { t: 'name', n: t.v };
    }
    if (this.isOp('(')) {
      this.p++;
      if (this.isOp(')')) {
        this.p++;
        return { t: 'list', items: [] };
      }
      const first = this.expression();
      if (this.isOp(',')) {
        const items = [first];
        while (this.isOp(',')) {
          this.p++;
          if (this.isOp(')')) break;
          items.push(this.expression());
        }
        this.expectOp(')');
        return { t: 'list', items };
      }
      this.expectOp(')');
      return first;
    }
    if (this.isOp('[')) {
      this.p++;
      const items: Expr[] = [];
      while (!this.isOp(']')) {
        items.push(this.expression());
        if (!this.isOp(',')) break;
        this.p++;
      }
      this.expectOp(']');
      return { t: 'list', items };
    }
    if (this.isOp('{')) {
      this.p++;
      const entries: [Expr, Expr][] = [];
      while (!this.isOp('}')) {
        const k = this.expression();
        this.expectOp(':');
        entries.push([k, this.expression()]);
        if (!this.isOp(',')) break;
        this.p++;
      }
      this.expectOp('}');
      return { t: 'dict', entries };
    }
    throw this.unexpected();
  }

  private postfix(e: Expr): Expr {
    for (;;) {
      if (this.isOp('.')) {
        this.p++;
        if (this.cur.k !== 'name') throw this.unexpected('expected an attribute name');
        e = { t: 'attr', o: e, n: this.cur.v };
        this.p++;
      } else if (this.isOp('[')) {
        this.p++;
        const k = this.expression();
        this.expectOp(']');
        e = { t: 'item', o: e, k };
      } else if (this.isOp('(')) {
        e = this.call(e);
      } else return e;
    }
  }

  private filters(e: Expr): Expr {
    if (this.python) return e;
    for (;;) {
      if (this.isOp('|')) {
        this.p++;
        if (this.cur.k !== 'name') throw this.unexpected('expected a filter name');
        let n = this.cur.v;
        this.p++;
        while (this.isOp('.') && this.peek().k === 'name') {
          n += '.' + this.peek().v;
          this.p += 2;
        }
        const args = this.isOp('(') ? this.args().args : [];
        e = { t: 'filter', e, n, args };
      } else if (this.isName('is')) {
        this.p++;
        let neg = false;
        if (this.isName('not')) {
          neg = true;
          this.p++;
        }
        if (this.cur.k !== 'name') throw this.unexpected('expected a test name');
        const n = this.cur.v;
        this.p++;
        const args = this.isOp('(') ? this.args().args : [];
        e = { t: 'test', e, n, neg, args };
      } else return e;
    }
  }

  private call(f: Expr): Expr {
    const { args, kwargs } = this.args();
    return { t: 'call', f, args, kwargs };
  }

  /** `( arg, ..., name=value, ... )` */
  args(): { args: Expr[]; kwargs: KwArg[] } {
    this.expectOp('(');
    const out = this.argList(')');
    this.expectOp(')');
    return out;
  }

  /** Arguments up to (not including) the closing token `close` ('' for the end of input). */
  argList(close: string): { args: Expr[]; kwargs: KwArg[] } {
    const args: Expr[] = [];
    const kwargs: KwArg[] = [];
    const done = () => (close === '' ? this.atEnd() : this.isOp(close));
    while (!done()) {
      if (this.isOp('**')) {
        // `f(**mapping)`: kept as a keyword argument named '**', spread when the call is evaluated
        this.p++;
        const pos = this.cur.pos;
        kwargs.push({ name: '**', value: this.expression(), pos });
        if (!this.isOp(',')) break;
        this.p++;
        continue;
      }
      if (this.isOp('*')) throw this.unexpected('*args cannot be read statically');
      if (this.cur.k === 'name' && this.peek().k === 'op' && this.peek().v === '=') {
        const name = this.cur.v;
        this.p += 2;
        const pos = this.cur.pos;
        kwargs.push({ name, value: this.expression(), pos });
      } else {
        if (kwargs.length > 0) throw this.unexpected('positional argument after keyword argument');
        args.push(this.expression());
      }
      if (!this.isOp(',')) break;
      this.p++;
    }
    return { args, kwargs };
  }
}

/** Parses a whole Jinja expression (the inside of `{{ }}`). */
export function parseExpression(src: string): Expr {
  const parser = new Parser(tokenize(src, false), false);
  const e = parser.expression();
  if (!parser.atEnd()) {
    throw new ExprSyntaxError('unexpected text after the expression', parser.curPos());
  }
  return e;
}

/** Parses the inside of a call's parentheses: `a, b=1` (Python literal syntax when `python`). */
export function parseArguments(src: string, python: boolean): { args: Expr[]; kwargs: KwArg[] } {
  const parser = new Parser(tokenize(src, python), python);
  const out = parser.argList('');
  if (!parser.atEnd()) throw new ExprSyntaxError('unexpected text in the arguments', parser.curPos());
  return out;
}
