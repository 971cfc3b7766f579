'use strict';
/**
 * DuckDB, the real SQL engine behind the Snowflake, BigQuery and Databricks test servers: an in-memory
 * instance starts in about 20 ms. `run` returns column names, DuckDB type names and rows both as DuckDB
 * values (for exact encodings) and as JSON (for nested types); `timeoutMs` interrupts a long statement.
 */
const { setTimeout, clearTimeout } = require('node:timers');
const { DuckDBInstance } = require('@duckdb/node-api');

async function openDuck() {
  // The describe statements cross-join hundreds of queries: allow deep expressions on every connection.
  const instance = await DuckDBInstance.create(':memory:', { max_expression_depth: '100000' });
  const admin = await instance.connect();
  return { instance, admin };
}

class StatementTimeout extends Error {}

async function run(conn, sql, params, timeoutMs) {
  let timer;
  let timedOut = false;
  if (timeoutMs) {
    timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
    }, timeoutMs);
  }
  try {
    const reader =
      params && params.length ? await conn.runAndReadAll(sql, params) : await conn.runAndReadAll(sql);
    const types = reader.columnTypes();
    const columns = reader.columnNames().map((name, i) => ({
      name,
      type: types[i].toString(),
      typeId: types[i].typeId,
      duckType: types[i],
    }));
    return { columns, rows: reader.getRows(), json: reader.getRowsJson() };
  } catch (err) {
    if (timedOut) throw new StatementTimeout(`interrupted after ${timeoutMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Seconds since the epoch with 9 fractional digits, from DuckDB microseconds. */
function epochNanosText(micros) {
  const m = BigInt(micros);
  const neg = m < 0n;
  const abs = neg ? -m : m;
  const seconds = abs / 1000000n;
  const frac = (abs % 1000000n).toString().padStart(6, '0') + '000';
  if (!neg) return `${seconds}.${frac}`;
  // -1.5 s is "-2.500000000" in Snowflake's encoding? Keep it exact and simple: negative with fraction.
  return `-${seconds}.${frac}`;
}

module.exports = { openDuck, run, StatementTimeout, epochNanosText };
