/** The relations a SQL model reads, as setup-sql needs them: qualified names after FROM, JOIN and commas. */
import { relationsRead } from '../../../src/engine/sql-relations';

const names = (sql: string): string[] =>
  relationsRead(sql).map((n) => n.map((p) => (p.quoted ? `"${p.text}"` : p.text)).join('.'));

test('FROM, JOIN and FROM-list commas, with aliases, quoted and three-part names', () => {
  expect(
    names(
      'select o.order_id from analytics.orders o join "Marts"."Cust" as c using (customer_id), raw.x, db.s.t3 where 1 = 1',
    ),
  ).toEqual(['analytics.orders', '"Marts"."Cust"', 'raw.x', 'db.s.t3']);
});

test('CTEs, subqueries in FROM, IN and EXISTS, and LATERAL', () => {
  expect(
    names(
      `with recent as (select * from staging.events) select * from recent r
       where r.id in (select id from raw.ids) and exists (select 1 from ref.flags f where f.id = r.id)
       and r.v = (select max(v) from (select v from deep.nested) q)
       left join lateral (select 1 from l.t) z on true`,
    ),
  ).toEqual(['staging.events', 'recent', 'raw.ids', 'ref.flags', 'deep.nested', 'l.t']);
});

test('FROM inside function calls, functions in FROM, comments and strings are not relations', () => {
  expect(
    names(
      `select extract(year from o.created_at), substring(o.s from 2), trim(both 'x' from o.t)
       from generate_series(1, 3) g, sales.orders o -- from fake.one
       /* join fake.two */ where o.note <> 'from fake.three' and o.body <> $q$ from fake.four $q$
       cross join table(flatten(input => o.arr)) f`,
    ),
  ).toEqual(['sales.orders']);
});

test('BigQuery and Databricks backtick names', () => {
  expect(names('select * from `proj.ds.orders` join ds2.x using (id), unnest(arr) a')).toEqual([
    '"proj"."ds"."orders"',
    'ds2.x',
  ]);
  expect(names('select * from `main`.`Sales`.`orders`')).toEqual(['"main"."Sales"."orders"']);
});
