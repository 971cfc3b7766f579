'use strict';
/**
 * A protocol-level Databricks SQL warehouse for tests and benchmarks: the real @databricks/sql driver
 * speaks Thrift (TCLIService, binary protocol) over HTTPS to it, with a throw-away certificate made at start
 * (openssl), a bearer token per principal, and the warehouse's HTTP path. SQL runs on DuckDB after a
 * lexical translation of Databricks SQL (backticks, string escapes, current_user() and friends, Unity
 * Catalog's information_schema). Each catalog is a DuckDB catalog with a UC_INFORMATION_SCHEMA schema
 * (columns, schemata, catalogs views; catalog_privileges and schema_privileges tables).
 *
 * Protocol: OpenSession answers SPARK_CLI_SERVICE_PROTOCOL_V8, as a current SQL warehouse does, so the
 * driver asks for Arrow results, direct results and parameters; results, paging and long statements are in
 * databricks-results.js, error shapes in databricks-errors.js (see README.md). Handles carry valid UUIDs.
 * Failures as Databricks gives them: 401 for a bad token, 403 for an IP access list refusal, 404 for an
 * unknown HTTP path, error statuses with [ERROR_CLASS] messages for SQL, NO_SUCH_CATALOG at OpenSession,
 * INSUFFICIENT_PERMISSIONS for CREATE SCHEMA without the privilege, a statement timeout from the session's
 * STATEMENT_TIMEOUT.
 */
const { Buffer } = require('node:buffer');
const { URL } = require('node:url');
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const thrift = require('thrift');
const TCLIService = require('@databricks/sql/thrift/TCLIService');
const T = require('@databricks/sql/thrift/TCLIService_types');
const { openDuck, run, StatementTimeout } = require('../shared/duck');
const { ArrowResult, within } = require('./databricks-results');
const { SqlError, ucError } = require('./databricks-errors');
const { tokenize, quoteIdent, quoteString } = require('../shared/sql-tokens');

const execFileAsync = promisify(execFile);
const LEXICON = { backtickIdents: true, doubleQuoteStrings: true, backslashEscapes: true };
const SPARK_VERSION = '3.5.0 databricks';

/** A throw-away CA-less self-signed certificate for 127.0.0.1 (and localhost). */
async function makeCertificate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backflow-dbx-'));
  try {
    await execFileAsync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    return {
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ok = () => new T.TStatus({ statusCode: T.TStatusCode.SUCCESS_STATUS });
const failure = (message, sqlState) =>
  new T.TStatus({ statusCode: T.TStatusCode.ERROR_STATUS, errorMessage: message, sqlState, errorCode: 0 });

/** UUID v4 bytes, as Databricks' handles carry. */
function uuidBytes() {
  const b = crypto.randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return b;
}

/** DuckDB reserves names such as "main": each Unity Catalog catalog lives in a DuckDB catalog of its own name. */
const duckCatalog = (catalog) => `uc__${catalog}`;

/** Databricks SQL → DuckDB SQL. `catalogs` are the known catalog names (the first part of 3-part names). */
function translate(sql, catalogs = new Set()) {
  const tokens = tokenize(sql, LEXICON);
  const sig = tokens.map((t, i) => ({ t, i })).filter(({ t }) => t.type !== 'ws' && t.type !== 'comment');
  const out = new Map();
  sig.forEach(({ t, i }, k) => {
    const next = sig[k + 1]?.t.text;
    const prev = sig[k - 1]?.t.text;
    const name = t.type === 'qident' ? t.value : t.type === 'ident' ? t.text.toLowerCase() : undefined;
    const threePart = next === '.' && sig[k + 3]?.t.text === '.' && prev !== '.';
    if (name !== undefined && threePart && catalogs.has(name)) out.set(i, quoteIdent(duckCatalog(name)));
    else if (t.type === 'qident') out.set(i, quoteIdent(t.value));
    else if (t.type === 'string') out.set(i, quoteString(t.value));
    else if (t.type === 'comment') out.set(i, ' ');
    else if (t.type === 'ident') {
      const lower = t.text.toLowerCase();
      // `USING DELTA` (the table format of CREATE TABLE): every table here is a DuckDB table.
      if (lower === 'using' && /^delta$/i.test(next ?? '')) {
        out.set(i, '').set(sig[k + 1].i, '');
        return;
      }
      if (next === '(' && lower === 'named_struct') out.set(i, 'json_object');
      else if (next === '(' && lower === 'collect_list') out.set(i, 'list');
      else if (
        next === '(' &&
        ['current_user', 'current_catalog', 'version', 'is_account_group_member', 'current_schema'].includes(
          lower,
        )
      ) {
        out.set(i, `DBX_${lower.toUpperCase()}`);
      } else if (lower === 'information_schema' && prev === '.') {
        out.set(i, 'UC_INFORMATION_SCHEMA');
      } else if (lower === 'string' && next !== '(' && next !== '.' && prev !== '.') {
        out.set(i, 'VARCHAR');
      } else if (lower === 'long' && next !== '.' && prev !== '.') {
        out.set(i, 'BIGINT');
      }
    }
  });
  return tokens.map((t, i) => (out.has(i) ? out.get(i) : t.type === 'comment' ? ' ' : t.text)).join('');
}

const SPARK_TYPE = `case when data_type = 'BIGINT' or data_type = 'HUGEINT' then 'BIGINT'
            when data_type = 'INTEGER' then 'INT'
            when data_type = 'SMALLINT' then 'SMALLINT'
            when data_type = 'TINYINT' then 'TINYINT'
            when data_type = 'DOUBLE' then 'DOUBLE'
            when data_type in ('FLOAT', 'REAL') then 'FLOAT'
            when data_type = 'VARCHAR' then 'STRING'
            when data_type = 'BOOLEAN' then 'BOOLEAN'
            when data_type = 'DATE' then 'DATE'
            when data_type like 'TIMESTAMP%' then 'TIMESTAMP'
            when data_type like 'DECIMAL%' then 'DECIMAL'
            when data_type = 'BLOB' then 'BINARY'
            when data_type like '%[]' then 'ARRAY'
            when data_type like 'STRUCT%' then 'STRUCT'
            when data_type like 'MAP%' then 'MAP'
            else 'STRING' end`;

function infoSchemaSql(catalog) {
  const c = quoteIdent(duckCatalog(catalog));
  const lit = quoteString(catalog);
  const duckLit = quoteString(duckCatalog(catalog));
  return `
create schema ${c}.UC_INFORMATION_SCHEMA;
create table ${c}.UC_INFORMATION_SCHEMA.catalog_privileges (grantor varchar, grantee varchar, catalog_name varchar, privilege_type varchar, is_grantable varchar, inherited_from varchar);
create table ${c}.UC_INFORMATION_SCHEMA.schema_privileges (grantor varchar, grantee varchar, catalog_name varchar, schema_name varchar, privilege_type varchar, is_grantable varchar, inherited_from varchar);
create table ${c}.UC_INFORMATION_SCHEMA.owners (kind varchar, schema_name varchar, owner varchar);
create view ${c}.UC_INFORMATION_SCHEMA.catalogs as
select ${lit} as catalog_name, (select owner from ${c}.UC_INFORMATION_SCHEMA.owners where kind = 'catalog') as catalog_owner;
create view ${c}.UC_INFORMATION_SCHEMA.schemata as
select ${lit} as catalog_name, s.schema_name, o.owner as schema_owner
  from information_schema.schemata s
  left join ${c}.UC_INFORMATION_SCHEMA.owners o on o.kind = 'schema' and o.schema_name = s.schema_name
 where s.catalog_name = ${duckLit} and s.schema_name not in ('UC_INFORMATION_SCHEMA', 'main');
create view ${c}.UC_INFORMATION_SCHEMA.columns as
select ${lit} as table_catalog, table_schema, table_name, column_name, ordinal_position, ${SPARK_TYPE} as data_type,
       lower(case when data_type like 'DECIMAL%' then data_type else ${SPARK_TYPE} end) as full_data_type,
       is_nullable
  from information_schema.columns
 where table_catalog = ${duckLit} and table_schema not in ('UC_INFORMATION_SCHEMA', 'main');
create view ${c}.UC_INFORMATION_SCHEMA.tables as
select ${lit} as table_catalog, table_schema, table_name, table_type from information_schema.tables
 where table_catalog = ${duckLit} and table_schema not in ('UC_INFORMATION_SCHEMA', 'main');`;
}

/**
 * @param {{ httpPath?: string, catalog?: string }} [options]
 */
async function startDatabricksServer(options = {}) {
  const { instance, admin } = await openDuck();
  const { key, cert } = await makeCertificate();
  const httpPath = options.httpPath || '/sql/1.0/warehouses/backflow0test0wh';
  const tokens = new Map(); // token → { user, groups }
  const catalogs = new Set();
  const sessions = new Map(); // guid hex → session
  const operations = new Map(); // guid hex → operation (see databricks-results.js)
  const log = { httpRequests: 0, statements: [], calls: [], executes: [] };
  // What a current SQL warehouse answers to OpenSession: the driver then asks for Arrow, LZ4, direct
  // results and parameters (ThriftSessionBackend.js, utils/protocolVersion.js).
  const protocolVersion = T.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8;
  const behaviour = { runningPolls: 0, directWaitMs: 5000, pageRows: 100_000, batchRows: 10_000 };
  let blockedIp = null;

  async function addCatalog(name, owner = 'admin@example.com') {
    if (catalogs.has(name)) return;
    const d = quoteIdent(duckCatalog(name));
    await admin.run(`attach ':memory:' as ${d}`);
    await admin.run(infoSchemaSql(name));
    await admin.run(`create schema ${d}."default"`);
    await admin.run(
      `insert into ${d}.UC_INFORMATION_SCHEMA.owners values ('catalog', null, ${quoteString(owner)})`,
    );
    catalogs.add(name);
  }

  const api = {
    log,
    httpPath,
    caCert: cert,
    addCatalog,
    /** A bearer token for `user` (a member of `groups`). */
    addToken(token, user, groups = []) {
      tokens.set(token, { user, groups });
    },
    /** grant('USE CATALOG', 'x@y', 'main') or grant('CREATE TABLE', 'x@y', 'main', 'marts'). */
    async grant(privilege, grantee, catalog, schema) {
      const c = quoteIdent(duckCatalog(catalog));
      if (schema === undefined) {
        await admin.run(
          `insert into ${c}.UC_INFORMATION_SCHEMA.catalog_privileges values ('admin', ?, ?, ?, 'NO', null)`,
          [grantee, catalog, privilege],
        );
      } else {
        await admin.run(
          `insert into ${c}.UC_INFORMATION_SCHEMA.schema_privileges values ('admin', ?, ?, ?, ?, 'NO', null)`,
          [grantee, catalog, schema, privilege],
        );
      }
    },
    /** Refuse every request from `ip` (workspace IP access list), or accept again with null. */
    setIpAccessList(ip) {
      blockedIp = ip;
    },
    /** Databricks SQL as an administrator, in `catalog`. */
    async sql(text, catalog = 'main') {
      const conn = await instance.connect();
      try {
        await conn.run(`use ${quoteIdent(duckCatalog(catalog))}`);
        await conn.run(translate(text, catalogs));
      } finally {
        conn.closeSync();
      }
    },
    async duck(text) {
      return (await run(admin, text)).json;
    },
    /** Every statement answers RUNNING `n` times (direct results, then GetOperationStatus) before its end. */
    setRunningPolls(n) {
      behaviour.runningPolls = n;
    },
    /** Rows per page (direct results and each FetchResults) and per Arrow batch within a page. */
    setPaging(pageRows, batchRows = pageRows) {
      behaviour.pageRows = pageRows;
      behaviour.batchRows = batchRows;
    },
    operationCount: () => operations.size,
  };

  // ------------------------------------------------------------------------------------------ sessions

  async function openSession(req, principal) {
    const catalog = (req.initialNamespace && req.initialNamespace.catalogName) || 'hive_metastore';
    if (!catalogs.has(catalog)) {
      return new T.TOpenSessionResp({
        serverProtocolVersion: protocolVersion,
        status: failure(
          `[NO_SUCH_CATALOG_EXCEPTION] Catalog '${catalog}' was not found. Please verify the catalog name and then retry the query or command again.`,
          '42704',
        ),
      });
    }
    if (!(await hasCatalogPrivilege(principal, catalog, 'USE CATALOG'))) {
      return new T.TOpenSessionResp({
        serverProtocolVersion: protocolVersion,
        status: failure(
          `[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have USE CATALOG on Catalog '${catalog}'.`,
          '42501',
        ),
      });
    }
    const conn = await instance.connect();
    await conn.run(`use ${quoteIdent(duckCatalog(catalog))}."default"`);
    const groups = `[${principal.groups.map(quoteString).join(', ')}]::VARCHAR[]`;
    await conn.run(`
      create temp macro DBX_CURRENT_USER() as ${quoteString(principal.user)};
      create temp macro DBX_CURRENT_CATALOG() as ${quoteString(catalog)};
      create temp macro DBX_CURRENT_SCHEMA() as 'default';
      create temp macro DBX_VERSION() as ${quoteString(SPARK_VERSION)};
      create temp macro DBX_IS_ACCOUNT_GROUP_MEMBER(g) as list_contains(${groups}, g);`);
    const guid = uuidBytes();
    const configuration = req.configuration || {};
    sessions.set(guid.toString('hex'), {
      conn,
      principal,
      catalog,
      timeoutSeconds: Number(configuration.STATEMENT_TIMEOUT || 0),
    });
    return new T.TOpenSessionResp({
      status: ok(),
      serverProtocolVersion: protocolVersion,
      sessionHandle: new T.TSessionHandle({
        sessionId: new T.THandleIdentifier({ guid, secret: uuidBytes() }),
      }),
      configuration: {},
    });
  }

  async function hasCatalogPrivilege(principal, catalog, privilege) {
    const c = quoteIdent(duckCatalog(catalog));
    const who = `[${[principal.user, ...principal.groups].map(quoteString).join(', ')}]::VARCHAR[]`;
    const rows = (
      await run(
        admin,
        `select count(*) from ${c}.UC_INFORMATION_SCHEMA.catalog_privileges where catalog_name = ? and privilege_type in (?, 'ALL PRIVILEGES') and list_contains(${who}, grantee)
         union all select count(*) from ${c}.UC_INFORMATION_SCHEMA.owners where kind = 'catalog' and list_contains(${who}, owner)`,
        [catalog, privilege],
      )
    ).json;
    return rows.some((r) => Number(r[0]) > 0);
  }

  /** DDL answers with an empty one-column result (a result with no columns at all stalls the driver). */
  const EMPTY = { columns: [{ name: 'result', type: 'VARCHAR' }], rows: [], json: [] };

  async function createSchema(session, sql) {
    const parts = tokenize(sql, LEXICON).filter(
      (t) => t.type === 'qident' || (t.type === 'ident' && !/^(create|schema|if|not|exists)$/i.test(t.text)),
    );
    const names = parts.map((t) => (t.type === 'qident' ? t.value : t.text));
    const [catalog, given] = names.length >= 2 ? names : [session.catalog, names[0]];
    // Unity Catalog names are case-insensitive and stored in lower case.
    const schema = given.toLowerCase();
    if (!(await hasCatalogPrivilege(session.principal, catalog, 'CREATE SCHEMA'))) {
      throw new SqlError(
        `[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have CREATE SCHEMA on Catalog '${catalog}'.`,
        '42501',
      );
    }
    const d = quoteIdent(duckCatalog(catalog));
    const exists = (
      await run(
        admin,
        `select count(*) from information_schema.schemata where catalog_name = ? and schema_name = ?`,
        [duckCatalog(catalog), schema],
      )
    ).json;
    if (Number(exists[0][0]) > 0) return EMPTY;
    await admin.run(`create schema ${d}.${quoteIdent(schema)}`);
    await admin.run(`insert into ${d}.UC_INFORMATION_SCHEMA.owners values ('schema', ?, ?)`, [
      schema,
      session.principal.user,
    ]);
    return EMPTY;
  }

  async function execute(session, req) {
    const sql = String(req.statement || '');
    log.statements.push(sql);
    if (/^\s*create\s+schema\b/i.test(sql)) return createSchema(session, sql);
    const seconds = session.timeoutSeconds || Number(req.queryTimeout ? req.queryTimeout.toNumber() : 0);
    try {
      const duckSql = translate(sql, catalogs);
      await checkReads(session, duckSql);
      return await run(session.conn, duckSql, [], seconds ? seconds * 1000 : undefined);
    } catch (err) {
      if (err instanceof StatementTimeout) {
        throw new SqlError(
          `[QUERY_EXECUTION_TIMEOUT_EXCEEDED] Query execution was cancelled after the statement timeout of ${seconds} seconds.`,
          '57KD0',
        );
      }
      throw err instanceof SqlError ? err : ucError(err, sql, session.catalog);
    }
  }

  /** Whether the principal (or one of its groups) holds `privilege` on the schema, directly or inherited. */
  async function hasSchemaPrivilege(principal, catalog, schema, privilege) {
    const c = quoteIdent(duckCatalog(catalog));
    const who = `[${[principal.user, ...principal.groups].map(quoteString).join(', ')}]::VARCHAR[]`;
    const rows = (
      await run(
        admin,
        `select count(*) from ${c}.UC_INFORMATION_SCHEMA.schema_privileges
          where schema_name = ? and privilege_type in (?, 'ALL PRIVILEGES') and list_contains(${who}, grantee)
         union all select count(*) from ${c}.UC_INFORMATION_SCHEMA.owners
          where kind = 'schema' and schema_name = ? and list_contains(${who}, owner)`,
        [schema, privilege, schema],
      )
    ).json;
    return rows.some((r) => Number(r[0]) > 0) || (await hasCatalogPrivilege(principal, catalog, privilege));
  }

  /**
   * Unity Catalog's checks on the tables a statement reads (docs.databricks.com/en/data-governance/
   * unity-catalog/manage-privileges/privileges.html): USE SCHEMA on the schema, then SELECT (granted on
   * the schema or the catalog, ALL PRIVILEGES, or ownership). USE CATALOG was checked at OpenSession.
   */
  async function checkReads(session, duckSql) {
    const tree = JSON.parse(
      String((await run(admin, `select json_serialize_sql(${quoteString(duckSql)})`)).json[0][0]),
    );
    if (tree.error) return; // not a SELECT (DDL, DML) or not parsed: DuckDB reports syntax itself
    const refs = [];
    JSON.stringify(tree, (k, v) => {
      if (v && v.type === 'BASE_TABLE' && v.table_name) refs.push(v);
      return v;
    });
    for (const ref of refs) {
      const catalog = ref.catalog_name ? ref.catalog_name.replace(/^uc__/, '') : session.catalog;
      const schema = ref.schema_name || 'default';
      if (!catalogs.has(catalog) || /^(UC_)?information_schema$/i.test(schema)) continue;
      const exists = (
        await run(
          admin,
          'select count(*) from information_schema.tables where table_catalog = ? and lower(table_schema) = lower(?) and lower(table_name) = lower(?)',
          [duckCatalog(catalog), schema, ref.table_name],
        )
      ).json;
      if (Number(exists[0][0]) === 0) continue; // a CTE, or missing: DuckDB reports it
      if (!(await hasSchemaPrivilege(session.principal, catalog, schema, 'USE SCHEMA')))
        throw new SqlError(
          `PERMISSION_DENIED: User does not have USE SCHEMA on Schema '${catalog}.${schema}'. SQLSTATE: 42501`,
          '42501',
        );
      if (!(await hasSchemaPrivilege(session.principal, catalog, schema, 'SELECT')))
        throw new SqlError(
          `[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have SELECT on Table '${catalog}.${schema}.${ref.table_name}'. SQLSTATE: 42501`,
          '42501',
        );
    }
  }

  function startOperation(session, req) {
    const guid = uuidBytes();
    const op = {
      key: guid.toString('hex'),
      session,
      handle: new T.TOperationHandle({
        operationId: new T.THandleIdentifier({ guid, secret: uuidBytes() }),
        operationType: T.TOperationType.EXECUTE_STATEMENT,
        hasResultSet: true,
      }),
      running: behaviour.runningPolls,
      cursor: 0,
      finished: false,
      canceled: false,
      result: undefined,
      error: undefined,
    };
    // One statement at a time per session, as on one DuckDB connection.
    const previous = session.queue || Promise.resolve();
    op.done = previous
      .then(() => execute(session, req))
      .then(
        (result) => {
          if (!req.canReadArrowResult)
            throw new SqlError('[INTERNAL_ERROR] this test server serves Arrow results only', 'XX000');
          op.result = new ArrowResult(result, {
            lz4Compressed: !!req.canDecompressLZ4Result,
            batchRows: behaviour.batchRows,
          });
        },
        (err) => {
          op.error = op.canceled ? new SqlError('Operation canceled', 'HY008') : err;
        },
      )
      .finally(() => (op.finished = true));
    session.queue = op.done.catch(() => undefined);
    operations.set(op.key, op);
    return op;
  }

  function statusOf(op, ready) {
    if (!ready || !op.finished)
      return new T.TGetOperationStatusResp({ status: ok(), operationState: T.TOperationState.RUNNING_STATE });
    if (op.canceled)
      return new T.TGetOperationStatusResp({
        status: ok(),
        operationState: T.TOperationState.CANCELED_STATE,
      });
    if (op.error)
      return new T.TGetOperationStatusResp({
        status: ok(),
        operationState: T.TOperationState.ERROR_STATE,
        sqlState: op.error.sqlState,
        errorMessage: op.error.message,
        displayMessage: op.error.message,
      });
    return new T.TGetOperationStatusResp({
      status: ok(),
      operationState: T.TOperationState.FINISHED_STATE,
      hasResultSet: true,
    });
  }

  /** The next page of the operation's rows (at most maxRows and the server's page size). */
  function page(op, maxRows) {
    const { rowSet: results, end } = op.result.rowSet(
      op.cursor,
      Math.min(maxRows || behaviour.pageRows, behaviour.pageRows),
    );
    op.cursor = end;
    const hasMoreRows = end < op.result.rows.length;
    return {
      resultSet: new T.TFetchResultsResp({ status: ok(), hasMoreRows, results }),
      complete: !hasMoreRows,
    };
  }

  const operationOf = (handle) =>
    handle && handle.operationId && operations.get(Buffer.from(handle.operationId.guid).toString('hex'));

  const sessionOf = (handle) =>
    handle && handle.sessionId && sessions.get(Buffer.from(handle.sessionId.guid).toString('hex'));

  function handler(principal) {
    return {
      OpenSession: (req) => openSession(req, principal),
      async ExecuteStatement(req) {
        log.calls.push('ExecuteStatement');
        log.executes.push({
          arrow: !!req.canReadArrowResult,
          lz4: !!req.canDecompressLZ4Result,
          cloudFetch: !!req.canDownloadResult,
          runAsync: !!req.runAsync,
          maxRows: req.getDirectResults ? Number(req.getDirectResults.maxRows) : undefined,
        });
        const session = sessionOf(req.sessionHandle);
        if (!session)
          return new T.TExecuteStatementResp({ status: failure('Invalid SessionHandle', 'HY000') });
        const op = startOperation(session, req);
        // Syntax errors are found before the statement is accepted: the call itself fails.
        await within(op.done, 0);
        if (op.error && op.error.syntax) {
          operations.delete(op.key);
          return new T.TExecuteStatementResp({ status: failure(op.error.message, op.error.sqlState) });
        }
        const ready = op.running > 0 ? false : await within(op.done, behaviour.directWaitMs);
        if (op.running > 0) op.running -= 1;
        const directResults = new T.TSparkDirectResults({ operationStatus: statusOf(op, ready) });
        if (ready && !op.error) {
          directResults.resultSetMetadata = op.result.metadata();
          const { resultSet, complete } = page(
            op,
            Number(req.getDirectResults?.maxRows ?? behaviour.pageRows),
          );
          directResults.resultSet = resultSet;
          // Everything fitted: the operation is closed in the same answer.
          if (complete) {
            directResults.closeOperation = new T.TCloseOperationResp({ status: ok() });
            operations.delete(op.key);
          }
        }
        return new T.TExecuteStatementResp({ status: ok(), operationHandle: op.handle, directResults });
      },
      async GetOperationStatus(req) {
        log.calls.push('GetOperationStatus');
        const op = operationOf(req.operationHandle);
        if (!op)
          return new T.TGetOperationStatusResp({ status: failure('Invalid OperationHandle', 'HY000') });
        if (op.running > 0) {
          op.running -= 1;
          return statusOf(op, false);
        }
        return statusOf(op, await within(op.done, 0));
      },
      async GetResultSetMetadata(req) {
        log.calls.push('GetResultSetMetadata');
        const op = operationOf(req.operationHandle);
        if (!op || !op.result)
          return new T.TGetResultSetMetadataResp({ status: failure('Invalid OperationHandle', 'HY000') });
        return op.result.metadata();
      },
      async FetchResults(req) {
        log.calls.push('FetchResults');
        const op = operationOf(req.operationHandle);
        if (!op || !op.result)
          return new T.TFetchResultsResp({ status: failure('Invalid OperationHandle', 'HY000') });
        if (req.orientation === T.TFetchOrientation.FETCH_FIRST) op.cursor = 0;
        return page(op, Number(req.maxRows ?? behaviour.pageRows)).resultSet;
      },
      CloseOperation(req) {
        log.calls.push('CloseOperation');
        const op = operationOf(req.operationHandle);
        if (op) operations.delete(op.key);
        return new T.TCloseOperationResp({ status: ok() });
      },
      CancelOperation(req) {
        log.calls.push('CancelOperation');
        const op = operationOf(req.operationHandle);
        if (op && !op.finished) {
          op.canceled = true;
          op.session.conn.interrupt();
        }
        return new T.TCancelOperationResp({ status: ok() });
      },
      async CloseSession(req) {
        const key = req.sessionHandle && Buffer.from(req.sessionHandle.sessionId.guid).toString('hex');
        const session = key && sessions.get(key);
        if (session) {
          sessions.delete(key);
          session.conn.closeSync();
        }
        return new T.TCloseSessionResp({ status: ok() });
      },
      GetInfo: () =>
        new T.TGetInfoResp({ status: ok(), infoValue: new T.TGetInfoValue({ stringValue: 'Spark SQL' }) }),
    };
  }

  const server = https.createServer({ key, cert }, (req, res) => {
    log.httpRequests += 1;
    const ip = (req.socket.remoteAddress || '').replace(/^::ffff:/, '');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (blockedIp && ip === blockedIp) {
        res.writeHead(403, { 'content-type': 'text/plain' });
        return res.end(`Source IP address: ${ip} is blocked by Databricks IP ACL for workspace: 1234567890`);
      }
      const url = new URL(req.url, 'https://127.0.0.1');
      if (req.method !== 'POST' || url.pathname !== httpPath) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('Not Found');
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization || '')?.[1];
      const principal = token && tokens.get(token);
      if (!principal) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(
          '{"error_code":"401","message":"Credential was not sent or was of an unsupported type for this API."}',
        );
      }
      const processor = new TCLIService.Processor(handler(principal));
      thrift.TBufferedTransport.receiver((transport) => {
        const input = new thrift.TBinaryProtocol(transport);
        const output = new thrift.TBinaryProtocol(
          new thrift.TBufferedTransport(undefined, (buf) => {
            res.writeHead(200, { 'content-type': 'application/x-thrift' });
            res.end(buf);
          }),
        );
        processor.process(input, output);
      })(Buffer.concat(chunks));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  api.port = server.address().port;
  api.host = '127.0.0.1';
  await addCatalog(options.catalog || 'main');
  api.stop = async () => {
    for (const s of sessions.values()) s.conn.closeSync();
    sessions.clear();
    server.closeAllConnections?.();
    await new Promise((r) => server.close(() => r()));
    admin.closeSync();
    instance.closeSync?.();
  };
  return api;
}

module.exports = { startDatabricksServer, translate, makeCertificate, duckCatalog };
