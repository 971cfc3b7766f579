'use strict';
/**
 * A protocol-level Snowflake for tests and benchmarks: the real snowflake-sdk talks to it over HTTP on
 * 127.0.0.1 (`accessUrl`), and it executes the SQL on DuckDB after folding identifiers the Snowflake way
 * (unquoted names upper-cased). What it implements is what Backflow and the SDK use:
 *
 *   POST /session/v1/login-request   password or key-pair (JWT verified against the user's public key);
 *                                    unknown account → HTTP 403, network policy → 390422, bad password →
 *                                    390100, bad key → 390144, role not granted → 390189; an unknown
 *                                    warehouse or database signs in with none, as Snowflake does
 *   POST /queries/v1/query-request   SQL with bindings; SHOW GRANTS TO ROLE; CREATE SCHEMA checks the
 *                                    CREATE SCHEMA privilege and records OWNERSHIP; no warehouse → 000606;
 *                                    STATEMENT_TIMEOUT_IN_SECONDS → 000630; DuckDB errors → 002003 etc.
 *   POST /telemetry/send, /session?delete=true, /session/heartbeat
 *
 * Each database is an attached DuckDB catalog with an SF_INFORMATION_SCHEMA schema of views shaped like
 * Snowflake's INFORMATION_SCHEMA (the SQL's INFORMATION_SCHEMA is rewritten to it). Request bodies may be
 * gzip-compressed. Not Snowflake: a place where the real client library meets real SQL execution.
 */
const { Buffer } = require('node:buffer');
const { URL } = require('node:url');
const crypto = require('node:crypto');
const http = require('node:http');
const zlib = require('node:zlib');
const { openDuck, run, StatementTimeout, epochNanosText } = require('../shared/duck');
const { tokenize, quoteIdent, quoteString, firstWords } = require('../shared/sql-tokens');
const { resolve, showName, encodeName, decodeName, decodeSql } = require('./snowflake-names');
const { SqlError, duckError } = require('./snowflake-errors');
const { QueryResults } = require('./snowflake-results');

/** A resolved Snowflake name quoted for DuckDB (see snowflake-names.js). */
const duckIdent = (name) => quoteIdent(encodeName(name));

const VERSION = '9.1.0';
const LEXICON = { backslashEscapes: true, slashComments: true, dollarStrings: true };
const SESSION_FUNCTIONS = new Set([
  'CURRENT_VERSION',
  'CURRENT_USER',
  'CURRENT_ROLE',
  'CURRENT_DATABASE',
  'CURRENT_WAREHOUSE',
  'CURRENT_SCHEMA',
]);
const TYPE_NAMES = {
  TIMESTAMP_LTZ: 'TIMESTAMPTZ',
  TIMESTAMP_TZ: 'TIMESTAMPTZ',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  VARIANT: 'JSON',
};

/** Snowflake SQL → DuckDB SQL, token by token. */
function translate(sql) {
  const tokens = tokenize(sql, LEXICON);
  const out = [];
  const next = (i) => {
    for (let j = i + 1; j < tokens.length; j++)
      if (tokens[j].type !== 'ws' && tokens[j].type !== 'comment') return tokens[j];
    return undefined;
  };
  tokens.forEach((t, i) => {
    if (t.type === 'comment') return out.push(' ');
    if (t.type === 'string') return out.push(quoteString(t.value));
    if (t.type === 'qident')
      return out.push(t.value === 'INFORMATION_SCHEMA' ? 'SF_INFORMATION_SCHEMA' : duckIdent(t.value));
    if (t.type !== 'ident') return out.push(t.text);
    const upper = t.text.toUpperCase();
    const n = next(i);
    if (upper === 'INFORMATION_SCHEMA') return out.push('SF_INFORMATION_SCHEMA');
    if (SESSION_FUNCTIONS.has(upper) && n && n.text === '(') return out.push(`SF_${upper}`);
    if (TYPE_NAMES[upper]) return out.push(TYPE_NAMES[upper]);
    if (upper === 'CURRENT_TIMESTAMP' && n && n.text === '(') return out.push('NOW');
    // Semi-structured: object_construct → DuckDB's json_object (to_json and array_agg exist as such).
    if (upper === 'OBJECT_CONSTRUCT' && n && n.text === '(') return out.push('JSON_OBJECT');
    out.push(upper);
  });
  return out.join('');
}

/** DuckDB type name → Snowflake rowtype entry. */
function rowtypeOf(name, duckType) {
  const base = {
    name: decodeName(name),
    database: '',
    schema: '',
    table: '',
    nullable: true,
    collation: null,
    byteLength: null,
    length: null,
    scale: null,
    precision: null,
  };
  const t = duckType.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(t))
    return { ...base, type: 'fixed', precision: 38, scale: 0 };
  const dec = /^DECIMAL\((\d+),(\d+)\)$/.exec(t);
  if (dec) return { ...base, type: 'fixed', precision: Number(dec[1]), scale: Number(dec[2]) };
  if (/^(DOUBLE|FLOAT|REAL)$/.test(t)) return { ...base, type: 'real' };
  if (t === 'VARCHAR') return { ...base, type: 'text', length: 16777216, byteLength: 16777216 };
  if (t === 'BOOLEAN') return { ...base, type: 'boolean' };
  if (t === 'DATE') return { ...base, type: 'date' };
  if (t === 'TIME') return { ...base, type: 'time', scale: 9 };
  if (t === 'TIMESTAMP') return { ...base, type: 'timestamp_ntz', scale: 9 };
  if (t === 'TIMESTAMP WITH TIME ZONE') return { ...base, type: 'timestamp_ltz', scale: 9 };
  if (t === 'BLOB') return { ...base, type: 'binary', length: 8388608, byteLength: 8388608 };
  if (t.endsWith('[]')) return { ...base, type: 'array' };
  if (t.startsWith('STRUCT') || t.startsWith('MAP')) return { ...base, type: 'object' };
  return { ...base, type: 'variant' };
}

/** One DuckDB value as Snowflake's JSON result format sends it (strings, epoch-based dates). */
function cell(value, json, type) {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'fixed':
    case 'real':
      return typeof value === 'object' ? value.toString() : String(value);
    case 'boolean':
      return value ? '1' : '0';
    case 'date':
      return String(value.days);
    case 'timestamp_ntz':
    case 'timestamp_ltz':
      return epochNanosText(value.micros);
    case 'time':
      return epochNanosText(value.micros);
    case 'binary':
      return Buffer.from(value.bytes).toString('hex').toUpperCase();
    case 'text':
      return String(value);
    default:
      return JSON.stringify(json);
  }
}

function infoSchemaSql(db) {
  const d = duckIdent(db);
  const lit = quoteString(encodeName(db));
  const dec = decodeSql;
  const ints =
    "('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT','UTINYINT','USMALLINT','UINTEGER','UBIGINT')";
  return `
create schema ${d}.SF_INFORMATION_SCHEMA;
create view ${d}.SF_INFORMATION_SCHEMA.COLUMNS as
select ${dec('table_catalog')} as TABLE_CATALOG, ${dec('table_schema')} as TABLE_SCHEMA,
       ${dec('table_name')} as TABLE_NAME, ${dec('column_name')} as COLUMN_NAME, ordinal_position as ORDINAL_POSITION,
       case when data_type in ${ints} or data_type like 'DECIMAL%' then 'NUMBER'
            when data_type in ('DOUBLE','FLOAT','REAL') then 'FLOAT'
            when data_type = 'VARCHAR' then 'TEXT'
            when data_type = 'BOOLEAN' then 'BOOLEAN'
            when data_type = 'DATE' then 'DATE'
            when data_type = 'TIME' then 'TIME'
            when data_type = 'TIMESTAMP' then 'TIMESTAMP_NTZ'
            when data_type = 'TIMESTAMP WITH TIME ZONE' then 'TIMESTAMP_LTZ'
            when data_type = 'BLOB' then 'BINARY'
            when data_type like '%[]' then 'ARRAY'
            when data_type like 'STRUCT%' or data_type like 'MAP%' then 'OBJECT'
            else 'VARIANT' end as DATA_TYPE,
       case when data_type in ${ints} then 38 when data_type like 'DECIMAL%' then numeric_precision end as NUMERIC_PRECISION,
       case when data_type in ${ints} then 0 when data_type like 'DECIMAL%' then numeric_scale end as NUMERIC_SCALE,
       case when data_type = 'VARCHAR' then 16777216 end as CHARACTER_MAXIMUM_LENGTH,
       case when is_nullable = 'YES' then 'YES' else 'NO' end as IS_NULLABLE
  from information_schema.columns
 where table_catalog = ${lit} and table_schema not in ('SF_INFORMATION_SCHEMA');
create view ${d}.SF_INFORMATION_SCHEMA.SCHEMATA as
select ${dec('catalog_name')} as CATALOG_NAME, ${dec('schema_name')} as SCHEMA_NAME
  from information_schema.schemata
 where catalog_name = ${lit} and schema_name not in ('main', 'SF_INFORMATION_SCHEMA')
union all select ${quoteString(db)}, 'INFORMATION_SCHEMA';
create view ${d}.SF_INFORMATION_SCHEMA.TABLES as
select ${dec('table_catalog')} as TABLE_CATALOG, ${dec('table_schema')} as TABLE_SCHEMA,
       ${dec('table_name')} as TABLE_NAME, case when table_type = 'VIEW' then 'VIEW' else 'BASE TABLE' end as TABLE_TYPE
  from information_schema.tables
 where table_catalog = ${lit} and table_schema not in ('SF_INFORMATION_SCHEMA');`;
}

/**
 * @param {{ account?: string, host?: string }} [options]
 */
async function startSnowflakeServer(options = {}) {
  const { instance, admin } = await openDuck();
  const account = String(options.account || 'TESTACCOUNT').toUpperCase();
  const users = new Map();
  const roles = new Map([['PUBLIC', []]]);
  const warehouses = new Set();
  const databases = new Set();
  // Sessions, their session tokens (renewed with the master token when Snowflake says they expired) and
  // the statements still running or polled (see snowflake-results.js).
  const sessions = new Set();
  const tokens = new Map();
  const masters = new Map();
  let sessionIds = 0;
  const behaviour = { inProgressPolls: 0, asyncAfterMs: 45_000, chunkRows: 1000 };
  const log = { requests: [], logins: [], statements: [], renewals: 0, chunkDownloads: 0, resultPolls: 0 };
  let deniedIp = null;

  function roleGrants(role) {
    if (!roles.has(role)) roles.set(role, []);
    return roles.get(role);
  }

  /** Grants of `role` and of every role it inherits (and PUBLIC). */
  function effectiveGrants(role) {
    const seen = new Set();
    const out = [];
    const visit = (r) => {
      if (seen.has(r)) return;
      seen.add(r);
      for (const g of roleGrants(r)) {
        out.push(g);
        if (g.grantedOn === 'ROLE') visit(g.name);
      }
    };
    visit(role);
    visit('PUBLIC');
    return out;
  }

  const api = {
    account,
    log,
    addWarehouse(name) {
      warehouses.add(resolve(name));
    },
    async createDatabase(name, schemas = ['PUBLIC']) {
      const db = resolve(name);
      if (databases.has(db)) return;
      await admin.run(`attach ':memory:' as ${duckIdent(db)}`);
      await admin.run(infoSchemaSql(db));
      for (const s of schemas) await admin.run(`create schema ${duckIdent(db)}.${duckIdent(resolve(s))}`);
      databases.add(db);
    },
    addRole(name) {
      roleGrants(resolve(name));
    },
    /** grant('ROLE', 'USAGE', 'WAREHOUSE', 'WH') — `object` as SHOW GRANTS prints it (DB.SCHEMA). */
    grant(role, privilege, grantedOn, object) {
      roleGrants(resolve(role)).push({ privilege, grantedOn, name: object });
    },
    grantRole(role, toRole) {
      roleGrants(resolve(role));
      roleGrants(resolve(toRole)).push({ privilege: 'USAGE', grantedOn: 'ROLE', name: resolve(role) });
    },
    revokeAll(role) {
      roles.set(resolve(role), []);
    },
    /** A user signing in with `password` or with the private key matching `publicKey` (PEM). */
    addUser({ name, password, publicKey, defaultRole, roles: granted = [] }) {
      const key = publicKey ? crypto.createPublicKey(publicKey) : undefined;
      const fp = key
        ? 'SHA256:' +
          crypto
            .createHash('sha256')
            .update(key.export({ type: 'spki', format: 'der' }))
            .digest('base64')
        : undefined;
      users.set(resolve(name), {
        password,
        key,
        fp,
        defaultRole: resolve(defaultRole || granted[0] || 'PUBLIC'),
        roles: new Set([...granted.map(resolve), 'PUBLIC']),
      });
    },
    /** Refuse every sign-in from `ip` (as a network policy would), or accept again with null. */
    setNetworkPolicy(ip) {
      deniedIp = ip;
    },
    /** Runs Snowflake SQL as an administrator (identifiers folded like Snowflake), in `database`. */
    async sql(text, database) {
      const conn = await instance.connect();
      try {
        if (database) await conn.run(`use ${duckIdent(resolve(database))}.PUBLIC`);
        for (const statement of splitStatements(text)) await conn.run(translate(statement));
      } finally {
        conn.closeSync();
      }
    },
    /** Runs one Snowflake SELECT as an administrator, in `database`; returns rows as JSON. */
    async query(text, database) {
      const conn = await instance.connect();
      try {
        if (database) await conn.run(`use ${duckIdent(resolve(database))}.PUBLIC`);
        return (await run(conn, translate(text))).json;
      } finally {
        conn.closeSync();
      }
    },
    /** Runs DuckDB SQL directly; returns rows as JSON. */
    async duck(text) {
      return (await run(admin, text)).json;
    },
    sessionCount: () => sessions.size,
    /** Every statement answers "in progress" (333334, then 333333 per poll) `polls` times before its result. */
    setQueryInProgress(polls) {
      behaviour.inProgressPolls = polls;
    },
    /** Rows per result chunk: larger results come as an inline first chunk plus chunk URLs. */
    setChunkRows(rows) {
      behaviour.chunkRows = rows;
    },
    /** Makes every session token issued so far expired (390112); the master token renews it. */
    expireSessionTokens() {
      for (const entry of tokens.values()) entry.expired = true;
    },
  };

  function splitStatements(text) {
    const parts = [];
    let current = '';
    for (const t of tokenize(text, LEXICON)) {
      if (t.text === ';') {
        if (current.trim()) parts.push(current);
        current = '';
      } else current += t.text;
    }
    if (current.trim()) parts.push(current);
    return parts;
  }

  // ------------------------------------------------------------------------------------------ sign-in

  function verifyJwt(token, user, userName) {
    const [h, p, s] = String(token || '').split('.');
    if (!h || !p || !s || !user.key) return false;
    const ok = crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), user.key, Buffer.from(s, 'base64url'));
    if (!ok) return false;
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    return payload.sub === `${account}.${userName}` && payload.iss === `${account}.${userName}.${user.fp}`;
  }

  async function login(url, body, ip) {
    const data = body.data || {};
    if (String(data.ACCOUNT_NAME || '').toUpperCase() !== account)
      return { status: 403, text: '<html><body>Forbidden</body></html>' };
    if (deniedIp && deniedIp === ip) {
      return fail(
        '390422',
        `Incoming request with IP/Token ${ip} is not allowed to access Snowflake. Contact your local security administrator or please create a case with Snowflake Support or reach us on our support line.`,
      );
    }
    const userName = String(data.LOGIN_NAME || '').toUpperCase();
    const user = users.get(userName);
    if (data.AUTHENTICATOR === 'SNOWFLAKE_JWT') {
      if (!user || !verifyJwt(data.TOKEN, user, userName))
        return fail('390144', 'JWT token is invalid. [8a2c1f0e-0000-4000-8000-000000000000]');
    } else if (!user || user.password === undefined || user.password !== data.PASSWORD) {
      return fail('390100', 'Incorrect username or password was specified.');
    }
    const q = url.searchParams;
    const role = q.get('roleName') ? resolve(q.get('roleName')) : user.defaultRole;
    if (!user.roles.has(role)) {
      return fail(
        '390189',
        `Role '${role}' specified in the connect string does not exist or not authorized. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.`,
      );
    }
    // As Snowflake does: a warehouse or database that does not exist, or that the role may not use, is
    // simply not selected (current_warehouse() / current_database() are null).
    const usable = (set, kind, name) => set.has(name) && hasPrivilege(role, kind, showName(name), 'USAGE');
    const wantedDb = resolve(q.get('databaseName'));
    const wantedWh = resolve(q.get('warehouse'));
    const database = usable(databases, 'DATABASE', wantedDb) ? wantedDb : null;
    const warehouse = usable(warehouses, 'WAREHOUSE', wantedWh) ? wantedWh : null;
    const schema = database ? resolve(q.get('schemaName')) || 'PUBLIC' : null;
    const conn = await instance.connect();
    if (database) await conn.run(`use ${duckIdent(database)}.${duckIdent(schema)}`).catch(() => undefined);
    const lit = (v) => (v === null ? 'null::varchar' : quoteString(v));
    await conn.run(`
      create temp macro SF_CURRENT_VERSION() as '${VERSION}';
      create temp macro SF_CURRENT_USER() as ${lit(userName)};
      create temp macro SF_CURRENT_ROLE() as ${lit(role)};
      create temp macro SF_CURRENT_DATABASE() as ${lit(database)};
      create temp macro SF_CURRENT_SCHEMA() as ${lit(schema)};
      create temp macro SF_CURRENT_WAREHOUSE() as ${lit(warehouse)};`);
    const token = crypto.randomBytes(16).toString('hex');
    const masterToken = crypto.randomBytes(16).toString('hex');
    const session = {
      id: ++sessionIds,
      user: userName,
      role,
      database,
      schema,
      warehouse,
      conn,
      masterToken,
    };
    sessions.add(session);
    tokens.set(token, { session, expired: false });
    masters.set(masterToken, session);
    log.logins.push({ user: userName, authenticator: data.AUTHENTICATOR, body });
    return {
      json: {
        success: true,
        code: null,
        message: null,
        data: {
          token,
          masterToken,
          sessionId: session.id,
          validityInSeconds: 3600,
          masterValidityInSeconds: 14400,
          displayUserName: userName,
          serverVersion: VERSION,
          firstLogin: false,
          parameters: [{ name: 'TIMEZONE', value: 'UTC' }],
          sessionInfo: {
            databaseName: database,
            schemaName: schema,
            warehouseName: warehouse,
            roleName: role,
          },
        },
      },
    };
  }

  function fail(code, message, extra = {}) {
    return { json: { success: false, code, message, data: { errorCode: code, ...extra } } };
  }

  // ---------------------------------------------------------------------------------------- statements

  function showGrants(session, target) {
    const role = resolve(target);
    if (!roles.has(role))
      throw new SqlError(
        '002003',
        '02000',
        `SQL compilation error:\nRole '${role}' does not exist or not authorized.`,
      );
    const rows = roleGrants(role).map((g) => [
      '1704067200.000000000',
      g.privilege,
      g.grantedOn,
      g.grantedOn === 'ROLE' ? showName(g.name) : g.name,
      'ROLE',
      role,
      'false',
      'ACCOUNTADMIN',
    ]);
    const names = [
      'created_on',
      'privilege',
      'granted_on',
      'name',
      'granted_to',
      'grantee_name',
      'grant_option',
      'granted_by',
    ];
    return {
      rowtype: names.map((n, i) => ({ ...rowtypeOf(n, i === 0 ? 'TIMESTAMP WITH TIME ZONE' : 'VARCHAR') })),
      rowset: rows,
    };
  }

  function hasPrivilege(role, grantedOn, name, privilege) {
    return effectiveGrants(role).some(
      (g) =>
        g.grantedOn === grantedOn &&
        g.name === name &&
        (g.privilege === privilege || g.privilege === 'OWNERSHIP'),
    );
  }

  async function createSchema(session, sql, tokens) {
    // create schema [if not exists] <db>.<schema> | <schema>
    const parts = tokens.filter((t) => t.type === 'ident' || t.type === 'qident');
    const names = parts
      .slice(parts[2] && parts[2].text.toUpperCase() === 'IF' ? 5 : 2)
      .map((t) => (t.type === 'qident' ? t.value : t.text.toUpperCase()));
    const [db, schema] = names.length >= 2 ? names : [session.database, names[0]];
    if (!db || !databases.has(db))
      throw new SqlError(
        '002003',
        '02000',
        `SQL compilation error:\nDatabase '${db}' does not exist or not authorized.`,
      );
    if (!hasPrivilege(session.role, 'DATABASE', showName(db), 'CREATE SCHEMA')) {
      throw new SqlError(
        '003001',
        '42501',
        `SQL access control error:\nInsufficient privileges to operate on database '${db}'`,
      );
    }
    const existing = await run(
      session.conn,
      `select 1 from information_schema.schemata where catalog_name = ? and schema_name = ?`,
      [encodeName(db), encodeName(schema)],
    );
    if (existing.rows.length > 0) return statusResult(`${schema} already exists, statement succeeded.`);
    await run(session.conn, translate(sql));
    roleGrants(session.role).push({
      privilege: 'OWNERSHIP',
      grantedOn: 'SCHEMA',
      name: `${showName(db)}.${showName(schema)}`,
    });
    return statusResult(`Schema ${schema} successfully created.`);
  }

  function statusResult(text) {
    return { rowtype: [rowtypeOf('status', 'VARCHAR')], rowset: [[text]] };
  }

  function needsWarehouse(tokens) {
    const words = tokens.filter((t) => t.type === 'ident').map((t) => t.text.toUpperCase());
    if (words[0] === 'SHOW' || words[0] === 'USE' || words[0] === 'ALTER') return false;
    return words[0] !== 'SELECT' || words.includes('FROM');
  }

  async function execute(session, body) {
    const sql = String(body.sqlText || '');
    log.statements.push(sql);
    let tokens = [];
    try {
      tokens = tokenize(sql, LEXICON);
      return await executeTokens(session, body, sql, tokens);
    } catch (err) {
      if (err instanceof SqlError) throw err;
      throw duckError(err, { sql, tokens, database: session.database });
    }
  }

  async function executeTokens(session, body, sql, tokens) {
    const words = firstWords(tokens, 4);
    const show = /^\s*show\s+grants\s+to\s+role\s+(.+?)\s*;?\s*$/is.exec(sql);
    if (show) return showGrants(session, show[1].trim());
    if (needsWarehouse(tokens) && !session.warehouse) {
      throw new SqlError(
        '000606',
        '57P03',
        "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.\n",
      );
    }
    if (words[0] === 'CREATE' && words[1] === 'SCHEMA') return createSchema(session, sql, tokens);
    const bindings = body.bindings || {};
    const params = Object.keys(bindings)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => {
        const b = bindings[k];
        if (b.value === null) return null;
        return b.type === 'FIXED' || b.type === 'REAL' ? Number(b.value) : b.value;
      });
    const timeout = Number((body.parameters || {}).STATEMENT_TIMEOUT_IN_SECONDS || 0);
    let result;
    try {
      result = await run(session.conn, translate(sql), params, timeout ? timeout * 1000 : undefined);
    } catch (err) {
      if (err instanceof StatementTimeout) {
        throw new SqlError(
          '000630',
          '57014',
          `Statement reached its statement or warehouse timeout of ${timeout} second(s) and was canceled.`,
        );
      }
      throw err;
    }
    const rowtype = result.columns.map((c) => rowtypeOf(c.name, c.type));
    const rowset = result.rows.map((row, r) =>
      row.map((v, i) => cell(v, result.json[r][i], rowtype[i].type)),
    );
    return { rowtype, rowset };
  }

  // ---------------------------------------------------------------------------------------------- HTTP

  async function handle(req, res, body) {
    const url = new URL(req.url, 'http://127.0.0.1');
    const json = (status, value) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    let parsed = {};
    if (body.length > 0) {
      const raw = req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body) : body;
      parsed = JSON.parse(raw.toString('utf8'));
    }
    log.requests.push({ method: req.method, path: url.pathname, body: parsed });
    if (url.pathname === '/session/v1/login-request') {
      const ip = (req.socket.remoteAddress || '').replace(/^::ffff:/, '');
      const r = await login(url, parsed, ip);
      if (r.status) {
        res.writeHead(r.status, { 'content-type': 'text/html' });
        return res.end(r.text);
      }
      return json(200, r.json);
    }
    if (url.pathname === '/telemetry/send') return json(200, { success: true, data: null });
    const token = /Snowflake Token="([^"]+)"/.exec(req.headers.authorization || '')?.[1];
    if (url.pathname === '/session/token-request') return json(200, renew(token, parsed));
    const chunk = /^\/chunks\/([^/]+)\/(\d+)$/.exec(url.pathname);
    if (chunk) return results.serveChunk(req, res, chunk[1], Number(chunk[2]));
    const entry = token ? tokens.get(token) : undefined;
    const session = entry && entry.session;
    if (url.pathname === '/session' && url.searchParams.get('delete') === 'true') {
      if (session) closeSession(session);
      return json(200, { success: true, data: null });
    }
    if (!entry) return json(200, gsError('390104', 'Invalid session token. Login again.'));
    if (entry.expired) return json(200, gsError('390112', 'Your session has expired. Please login again.'));
    if (url.pathname === '/session/heartbeat') return json(200, { success: true, data: null });
    if (url.pathname === '/queries/v1/query-request') {
      const queryId = crypto.randomUUID();
      return json(200, await results.start(queryId, session, () => execute(session, parsed)));
    }
    const poll = /^\/queries\/([^/]+)\/result$/.exec(url.pathname);
    if (poll && req.method === 'GET') return json(200, await results.poll(poll[1], session));
    return json(404, { success: false, code: '404', message: `no such endpoint ${url.pathname}` });
  }

  function gsError(code, message) {
    return { success: false, code, message, data: { errorCode: code } };
  }

  /** POST /session/token-request: a new session token for the master token's session (sf.js StateRenewing). */
  function renew(masterToken, body) {
    const session = masterToken && masters.get(masterToken);
    if (!session)
      return gsError('390114', 'Authentication token has expired.  The user must authenticate again.');
    if (body.requestType !== 'RENEW') return gsError('390101', `unsupported requestType ${body.requestType}`);
    tokens.delete(body.oldSessionToken);
    const token = crypto.randomBytes(16).toString('hex');
    tokens.set(token, { session, expired: false });
    log.renewals += 1;
    return {
      success: true,
      code: null,
      message: null,
      data: {
        sessionToken: token,
        validityInSecondsST: 3600,
        masterToken,
        validityInSecondsMT: 14400,
        sessionId: session.id,
      },
    };
  }

  function closeSession(session) {
    sessions.delete(session);
    masters.delete(session.masterToken);
    for (const [t, e] of tokens) if (e.session === session) tokens.delete(t);
    session.conn.closeSync();
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err && err.stack));
      });
    });
  });
  await new Promise((resolveListen) => server.listen(0, options.host || '127.0.0.1', resolveListen));
  const { port } = server.address();
  api.port = port;
  api.url = `http://127.0.0.1:${port}`;
  const results = new QueryResults({ behaviour, log, baseUrl: api.url, rowtypeOf, SqlError });
  api.stop = async () => {
    for (const s of [...sessions]) closeSession(s);
    server.closeAllConnections?.();
    await new Promise((r) => server.close(() => r()));
    admin.closeSync();
    instance.closeSync?.();
  };
  return api;
}

module.exports = { startSnowflakeServer, translate, resolve };
