-- Sample warehouse for the quickstart: a role for Backflow and two tables to build models from.
create role retl login password 'demo-warehouse-password';
create schema analytics;
create table analytics.users (user_id bigint primary key, email text not null, plan text, last_seen_at timestamptz);
create table analytics.orders (order_id bigint primary key, user_id bigint references analytics.users, amount numeric(12,2));
insert into analytics.users
  select g, 'user' || g || '@example.com', (array['free','pro','team'])[1 + g % 3], now() - (g % 60) * interval '1 day'
  from generate_series(1, 500) g;
insert into analytics.orders select g, 1 + g % 500, (g * 37) % 5000 from generate_series(1, 2000) g;
grant connect, temporary on database analytics to retl;
grant create on database analytics to retl;
grant usage on schema analytics to retl;
grant select on all tables in schema analytics to retl;
