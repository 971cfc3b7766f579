/**
 * Attack corpus: SQL payloads per dialect that try to smuggle a second statement past the one-statement
 * guard. Each dialect's lexer must read the text exactly as its warehouse does: every payload here hides a
 * top-level `;` from a lexer that gets one rule wrong (a `--` comment ending only at `\n`, Postgres' quote
 * rules on Redshift, nesting, raw strings, line continuations), so each must be refused. The benign list
 * keeps `;` inside real strings and comments and must be admitted unchanged.
 */
import { UserError } from '../../../src/errors';
import { singleStatement as postgres } from '../../../src/adapters/warehouse/postgres/postgres-sql';
import { singleStatement as redshift } from '../../../src/adapters/warehouse/redshift/redshift-sql';
import { snowflakeStatement as snowflake } from '../../../src/adapters/warehouse/snowflake/snowflake-sql';
import { bigQueryStatement as bigquery } from '../../../src/adapters/warehouse/bigquery/bigquery-sql';
import { databricksStatement as databricks } from '../../../src/adapters/warehouse/databricks/databricks-sql';

type Guard = (sql: string) => string;
const DIALECTS: Record<string, Guard> = { postgres, redshift, snowflake, bigquery, databricks };

const COPY = "copy (select 1) to program 'id > /tmp/pwned'";
const DROP = 'drop table analytics.victims';

/** Payloads refused by every dialect. */
const EVERYWHERE = [
  `select 1; ${DROP}`,
  `select 1 --\r; ${COPY}`,
  `select 1 --\r\n; ${DROP}`,
  `select 1 -- c\r; ${DROP} --`,
  `select 1 /* c */; ${DROP}`,
  `select ';' as x; ${DROP}`,
  `select 1;\n${DROP};`,
  `select 1 /* never closed`,
  `select 'never closed`,
  `select "never closed`,
  // The `\r` ends the comment: the quote opens a string that reaches the end, hiding the `;` as the
  // warehouse hides it too, and then the comment opens a block the text never closes.
  `select 1 --\r/*\n; ${DROP} --`,
];

/** Payloads that exploit one dialect's rule; refused by that dialect. */
const PER_DIALECT: Record<string, string[]> = {
  // A backslash is plain in standard strings: `'\'` is a complete string, so the `;` is top level.
  postgres: [
    `select '\\'; ${DROP}; --'`,
    `select /* a /* b */ ' */ ; ${DROP} --'`,
    `select $a$ x $a$; ${DROP}`,
    `select $$ x $$; ${COPY}`,
    `select e'\\''; ${DROP}; --'`,
  ],
  // Redshift: `'\''` is one string holding a quote, so what follows is top level.
  redshift: [
    `select 'a\\'' ; ${DROP} --'`,
    `select '\\''; ${COPY}; --'`,
    `select /* a /* b */ ' */ ; ${DROP} --'`,
  ],
  snowflake: [
    `select 'a\\'' ; ${DROP} --'`,
    `select $$ x $$; ${DROP}`,
    `select 1 // c\r; ${DROP}`,
    `select 1 /* a /* b */ ; ${DROP}`,
  ],
  bigquery: [
    `select 'a\\'' ; ${DROP} --'`,
    `select 1 # c\r; ${DROP}`,
    `select 1 # c\n; ${DROP}`,
    `select '''a''' ; ${DROP}`,
    `select \`a\\\`\` ; ${DROP} --\``,
    `select 1 /* a /* b */ ; ${DROP}`,
  ],
  // Spark: r'\' is a complete raw string; a backslash-newline continues a -- comment; comments nest.
  databricks: [
    `select r'\\' ; ${DROP}; --'`,
    `select R"\\" ; ${DROP}; --"`,
    `select 1 --\\\n'\n; ${DROP}; --'`,
    `select /* a /* b */ ' */ ; ${DROP} --'`,
    `select 'a\\'' ; ${DROP} --'`,
  ],
};

/** Queries with `;` only inside strings, identifiers and comments: admitted as written. */
const BENIGN: Record<string, string[]> = {
  // Line comments end at \r everywhere, so the quote opens a real string on the warehouse too.
  all: [`select 1 --\r'\n; ${DROP} --'`, `select 1 --\r"\n; ${DROP} --"`],
  postgres: [
    "select 'a;b' as x",
    'select "a;b" from t',
    'select $$a;b$$ as x',
    'select $tag$ a;$$;b $tag$ as x',
    "select E'it\\'s;' as x",
    'select 1 -- c;\n',
    'select 1 /* a /* b; */ c; */',
    'select a$b$c from t',
  ],
  redshift: ["select 'it\\'s;' as x", 'select 1 /* a /* b; */ c; */', "select 'a''b;' as x"],
  snowflake: ["select 'it\\'s;' as x", 'select $$a;b$$ as x', 'select 1 // c;\n', "select 'a''b;' as x"],
  bigquery: ["select 'it\\'s;' as x", "select '''a;'b''' as x", 'select 1 # c;\n', 'select `a;b` from t'],
  databricks: ["select 'it\\'s;' as x", "select r'a\\;' as x", 'select 1 -- c;\n', 'select `a;b` from t'],
};

const cases: [string, string][] = [];
for (const dialect of Object.keys(DIALECTS)) {
  for (const payload of [...EVERYWHERE, ...PER_DIALECT[dialect]]) cases.push([dialect, payload]);
}

test.each(cases)('%s refuses %j', (dialect, payload) => {
  expect(() => DIALECTS[dialect](payload)).toThrow(UserError);
});

const benign: [string, string][] = Object.entries(BENIGN).flatMap(([d, list]) =>
  (d === 'all' ? Object.keys(DIALECTS) : [d]).flatMap((dialect) =>
    list.map((sql): [string, string] => [dialect, sql]),
  ),
);

test.each(benign)('%s admits %j', (dialect, sql) => {
  expect(DIALECTS[dialect](sql)).toBe(sql);
  expect(DIALECTS[dialect](`${sql};`)).toBe(sql);
});
