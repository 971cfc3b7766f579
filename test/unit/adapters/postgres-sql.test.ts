import { UserError } from '../../../src/errors';
import {
  asSubquery,
  qualifiedName,
  quoteIdent,
  quoteLiteral,
  singleStatement,
  fitIdentifier,
  textArrayLiteral,
  topLevelSemicolons,
} from '../../../src/adapters/warehouse/postgres/postgres-sql';

describe('quoteIdent', () => {
  test.each([
    ['users', '"users"'],
    ['Mixed Case', '"Mixed Case"'],
    ['a"b', '"a""b"'],
    ['"', '""""'],
    ['ünïcode ✓', '"ünïcode ✓"'],
    ['"; drop table x; --', '"""; drop table x; --"'],
    ['select', '"select"'],
  ])('%j → %s', (name, quoted) => {
    expect(quoteIdent(name)).toBe(quoted);
  });

  test('refuses empty names and NUL', () => {
    expect(() => quoteIdent('')).toThrow(UserError);
    expect(() => quoteIdent('a\u0000b')).toThrow(/NUL/);
  });
});

describe('quoteLiteral', () => {
  test.each([
    ['plain', "'plain'"],
    ["it's", "'it''s'"],
    ["'; drop table x; --", "'''; drop table x; --'"],
    ['back\\slash', "E'back\\\\slash'"],
    ["\\'", "E'\\\\'''"],
    ['ünï', "'ünï'"],
    ['', "''"],
  ])('%j → %s', (value, quoted) => {
    expect(quoteLiteral(value)).toBe(quoted);
  });

  test('refuses NUL', () => {
    expect(() => quoteLiteral('a\u0000')).toThrow(UserError);
  });
});

test('qualifiedName and text arrays', () => {
  expect(qualifiedName('my "schema"', 'a.b')).toBe('"my ""schema"""."a.b"');
  expect(qualifiedName(undefined, 't')).toBe('"t"');
  expect(qualifiedName('', 't')).toBe('"t"');
  expect(textArrayLiteral(["a'b", 'c'])).toBe("array['a''b', 'c']::text[]");
  expect(textArrayLiteral([])).toBe('array[]::text[]');
});

describe('topLevelSemicolons', () => {
  test.each([
    ['select 1', []],
    ['select 1;', [8]],
    ["select ';'", []],
    ["select 'it''s;'", []],
    ["select E'\\';' ", []],
    ['select ";"', []],
    ['select $$;$$', []],
    ['select $tag$ $$; $tag$', []],
    ['select $1; select 2', [9]],
    ['select a$b; x', [10]],
    ['select 1 -- ;\n', []],
    ['select /* ; /* nested ; */ ; */ 1', []],
    ['select 1; select 2;', [8, 18]],
  ])('%j', (sql, expected) => {
    expect(topLevelSemicolons(sql)).toEqual(expected);
  });
});

describe('singleStatement', () => {
  test('keeps a single statement, drops one trailing semicolon', () => {
    expect(singleStatement('select 1')).toBe('select 1');
    expect(singleStatement('select 1 ;  -- done\n /* really */ ')).toBe('select 1 ');
    expect(singleStatement("select ';' as x")).toBe("select ';' as x");
  });

  test.each(['select 1; drop table x', 'select 1;;', 'select 1; select 2;', '', '  -- only a comment\n'])(
    'refuses %j',
    (sql) => {
      expect(() => singleStatement(sql)).toThrow(UserError);
    },
  );

  test('asSubquery survives a trailing line comment', () => {
    expect(asSubquery('select 1 -- note')).toBe('(\nselect 1 -- note\n) as "q"');
  });
});

describe('fitIdentifier', () => {
  test('names within 63 bytes are kept as written', () => {
    expect(fitIdentifier('snapshot_active-users')).toBe('snapshot_active-users');
    expect(fitIdentifier('x'.repeat(63))).toBe('x'.repeat(63));
  });

  test('long names fit in 63 bytes and stay distinct', () => {
    const a = fitIdentifier(`snapshot_${'x'.repeat(70)}_a`);
    const b = fitIdentifier(`snapshot_${'x'.repeat(70)}_b`);
    const unicode = fitIdentifier(`snapshot_${'é'.repeat(60)}`);
    for (const name of [a, b, unicode]) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(unicode.startsWith('snapshot_é')).toBe(true);
  });
});
