'use strict';
/**
 * A protocol-level BigQuery for tests and benchmarks: the real @google-cloud/bigquery client talks to it
 * over HTTP on 127.0.0.1 (`apiEndpoint`), authenticated by self-signed service-account JWTs that this
 * server verifies against the registered public keys. SQL runs on DuckDB after a lexical translation of
 * GoogleSQL (backticks, `project.dataset.table` paths, `region-xx`.INFORMATION_SCHEMA, SELECT AS STRUCT,
 * type names). Dry runs are planned (DuckDB prepare) and never executed.
 *
 *   POST /bigquery/v2/projects/:p/queries            jobs.query (timeoutMs honoured: jobComplete false)
 *   POST /bigquery/v2/projects/:p/jobs               jobs.insert (dry runs; other jobs run at once)
 *   GET  /bigquery/v2/projects/:p/queries/:job       jobs.getQueryResults
 *   GET  /bigquery/v2/projects/:p/datasets/:d        datasets.get (404 missing, 403 without a role)
 *   POST /bigquery/v2/projects/:p/datasets           datasets.insert (409 exists, 403 without a role)
 *
 * IAM, simplified: project roles (jobUser to run jobs; user/dataEditor/admin to create datasets;
 * dataViewer/metadataViewer/dataEditor to read dataset metadata) and dataset roles (dataEditor/dataOwner
 * to write tables). Each project is a DuckDB catalog, each dataset a schema.
 */
const { Buffer } = require('node:buffer');
const { URL } = require('node:url');
const crypto = require('node:crypto');
const http = require('node:http');
const { openDuck, run } = require('../shared/duck');
const { tokenize, quoteIdent, quoteString } = require('../shared/sql-tokens');
const { Jobs, ApiError, apiErrorOf, bytesProcessed } = require('./bigquery-jobs');

const LEXICON = {
  backtickIdents: true,
  backtickBackslash: true,
  doubleQuoteStrings: true,
  backslashEscapes: true,
  hashComments: true,
  tripleQuotes: true,
};
const TYPES = {
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  STRING: 'VARCHAR',
  BOOL: 'BOOLEAN',
  BYTES: 'BLOB',
  NUMERIC: 'DECIMAL(38,9)',
  BIGNUMERIC: 'DECIMAL(38,9)',
  DATETIME: 'TIMESTAMP',
  TIMESTAMP: 'TIMESTAMPTZ',
};
const RUN_JOBS = ['roles/bigquery.jobUser', 'roles/bigquery.user', 'roles/bigquery.admin'];
const CREATE_DATASETS = [
  'roles/bigquery.user',
  'roles/bigquery.dataEditor',
  'roles/bigquery.dataOwner',
  'roles/bigquery.admin',
];
const READ_METADATA = [
  'roles/bigquery.dataViewer',
  'roles/bigquery.metadataViewer',
  'roles/bigquery.dataEditor',
  'roles/bigquery.dataOwner',
  'roles/bigquery.admin',
];
const WRITE_TABLES = [
  'roles/bigquery.dataEditor',
  'roles/bigquery.dataOwner',
  'roles/bigquery.admin',
  'OWNER',
  'WRITER',
];

/** GoogleSQL → DuckDB SQL. `project` is the default project; `user` answers SESSION_USER(). */
function translate(sql, project, user) {
  const tokens = tokenize(sql, LEXICON);
  const sig = tokens.map((t, i) => ({ t, i })).filter(({ t }) => t.type !== 'ws' && t.type !== 'comment');
  const out = new Array(tokens.length).fill(null);
  const skip = new Set();
  const word = (k) => (sig[k] && sig[k].t.type === 'ident' ? sig[k].t.text.toUpperCase() : undefined);
  for (let k = 0; k < sig.length; k++) {
    const { t, i } = sig[k];
    if (skip.has(i)) continue;
    // SELECT AS STRUCT * FROM (...) AS alias  →  SELECT alias FROM (...) AS alias
    if (
      word(k) === 'SELECT' &&
      word(k + 1) === 'AS' &&
      word(k + 2) === 'STRUCT' &&
      sig[k + 3]?.t.text === '*'
    ) {
      let depth = 0;
      let j = k + 5;
      for (; j < sig.length; j++) {
        if (sig[j].t.text === '(') depth++;
        else if (sig[j].t.text === ')' && --depth === 0) break;
      }
      const alias = word(j + 1) === 'AS' ? sig[j + 2] : sig[j + 1];
      out[i] = 'SELECT';
      skip.add(sig[k + 1].i).add(sig[k + 2].i);
      out[sig[k + 3].i] = alias.t.type === 'qident' ? quoteIdent(alias.t.value) : alias.t.text;
      skip.delete(sig[k + 3].i);
      continue;
    }
    if (
      t.type === 'qident' ||
      (t.type === 'ident' && /^region$/i.test(t.text) && sig[k + 1]?.t.text === '-')
    ) {
      let parts;
      if (t.type === 'qident') parts = t.value.split('.');
      else {
        // unquoted region-us: ident '-' ident
        parts = [`region-${sig[k + 2].t.text}`];
        skip.add(sig[k + 1].i).add(sig[k + 2].i);
      }
      const regionAt = parts.findIndex((p) => /^region-/i.test(p));
      if (regionAt !== -1) {
        const before = parts.slice(0, regionAt);
        const qualifiedBefore = k > 0 && sig[k - 1].t.text === '.';
        if (before.length === 0 && !qualifiedBefore) before.push(project);
        let rest = parts.slice(regionAt + 1);
        let after = k + (t.type === 'qident' ? 1 : 3);
        if (rest.length === 0 && sig[after]?.t.text === '.' && word(after + 1) === 'INFORMATION_SCHEMA') {
          skip.add(sig[after].i).add(sig[after + 1].i);
          rest = [];
        } else rest = rest.filter((p) => p.toUpperCase() !== 'INFORMATION_SCHEMA');
        out[i] = [...before, 'BQ_INFORMATION_SCHEMA', ...rest].map(quoteIdent).join('.');
        continue;
      }
      out[i] = parts.map(quoteIdent).join('.');
      continue;
    }
    if (t.type === 'string') {
      out[i] = quoteString(t.value);
      continue;
    }
    if (t.type === 'ident') {
      const upper = t.text.toUpperCase();
      const next = sig[k + 1]?.t.text;
      if (upper === 'SESSION_USER' && next === '(') {
        out[i] = quoteString(user);
        skip.add(sig[k + 1].i).add(sig[k + 2].i);
        continue;
      }
      if (upper === 'CURRENT_TIMESTAMP' && next === '(') {
        out[i] = 'NOW';
        continue;
      }
      // MD5 returns BYTES and TO_HEX writes lower-case hex, as in GoogleSQL (DuckDB's md5 is hex text).
      if (['MD5', 'TO_HEX', 'TO_JSON_STRING'].includes(upper) && next === '(') {
        out[i] = `BQ_${upper}`;
        continue;
      }
      if (upper === 'COUNTIF') {
        out[i] = 'COUNT_IF';
        continue;
      }
      if (TYPES[upper] && next !== '(' && sig[k - 1]?.t.text !== '.' && next !== '.') {
        out[i] = TYPES[upper];
        continue;
      }
    }
  }
  return tokens
    .map((t, i) => {
      if (skip.has(i)) return '';
      if (out[i] !== null) return out[i];
      if (t.type === 'comment') return ' ';
      return t.text;
    })
    .join('');
}

/** A DuckDB type (object) as a BigQuery REST schema field. */
function fieldOf(name, type) {
  const id = type.toString().toUpperCase();
  if (type.valueType && id.endsWith('[]')) return { ...fieldOf(name, type.valueType), mode: 'REPEATED' };
  if (type.entryNames) {
    return {
      name,
      type: 'RECORD',
      mode: 'NULLABLE',
      fields: type.entryNames.map((n, i) => fieldOf(n, type.entryTypes[i])),
    };
  }
  let t = 'STRING';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(id))
    t = 'INTEGER';
  else if (/^DECIMAL/.test(id)) t = 'NUMERIC';
  else if (/^(DOUBLE|FLOAT|REAL)$/.test(id)) t = 'FLOAT';
  else if (id === 'BOOLEAN') t = 'BOOLEAN';
  else if (id === 'DATE') t = 'DATE';
  else if (id === 'TIME') t = 'TIME';
  else if (id === 'TIMESTAMP') t = 'DATETIME';
  else if (id === 'TIMESTAMP WITH TIME ZONE') t = 'TIMESTAMP';
  else if (id === 'BLOB') t = 'BYTES';
  else if (id === 'JSON') t = 'JSON';
  return { name, type: t, mode: 'NULLABLE' };
}

/** One DuckDB value in BigQuery's REST encoding, following `field`. */
function cellOf(value, json, field) {
  if (value === null || value === undefined) return { v: null };
  if (field.mode === 'REPEATED') {
    const inner = { ...field, mode: 'NULLABLE' };
    return { v: value.items.map((item, i) => cellOf(item, json[i], inner)) };
  }
  switch (field.type) {
    case 'RECORD':
      return { v: { f: field.fields.map((f) => cellOf(value.entries[f.name], json[f.name], f)) } };
    case 'INTEGER':
    case 'FLOAT':
    case 'NUMERIC':
      return { v: typeof value === 'object' ? value.toString() : String(value) };
    case 'BOOLEAN':
      return { v: value ? 'true' : 'false' };
    case 'TIMESTAMP':
      return { v: String(value.micros) };
    case 'DATETIME':
      return { v: String(json).replace(' ', 'T') };
    case 'BYTES':
      return { v: Buffer.from(value.bytes).toString('base64') };
    default:
      return { v: typeof json === 'string' ? json : JSON.stringify(json) };
  }
}

const BQ_TYPE = `case when data_type in ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT') then 'INT64'
            when data_type like 'DECIMAL%' then 'NUMERIC'
            when data_type in ('DOUBLE','FLOAT','REAL') then 'FLOAT64'
            when data_type = 'VARCHAR' then 'STRING'
            when data_type = 'BOOLEAN' then 'BOOL'
            when data_type = 'TIMESTAMP' then 'DATETIME'
            when data_type = 'TIMESTAMP WITH TIME ZONE' then 'TIMESTAMP'
            when data_type = 'BLOB' then 'BYTES'
            when data_type like '%[]' then 'ARRAY<' || replace(data_type, '[]', '') || '>'
            else data_type end`;

function infoSchemaSql(project) {
  const p = quoteIdent(project);
  const lit = quoteString(project);
  return `
create schema ${p}.BQ_INFORMATION_SCHEMA;
create view ${p}.BQ_INFORMATION_SCHEMA.COLUMNS as
select table_catalog, table_schema, table_name, column_name, ordinal_position, ${BQ_TYPE} as data_type,
       is_nullable
  from information_schema.columns where table_catalog = ${lit} and table_schema not in ('BQ_INFORMATION_SCHEMA', 'main');
create view ${p}.BQ_INFORMATION_SCHEMA.SCHEMATA as
select catalog_name, schema_name from information_schema.schemata
 where catalog_name = ${lit} and schema_name not in ('BQ_INFORMATION_SCHEMA', 'main');
create view ${p}.BQ_INFORMATION_SCHEMA.TABLES as
select table_catalog, table_schema, table_name, table_type from information_schema.tables
 where table_catalog = ${lit} and table_schema not in ('BQ_INFORMATION_SCHEMA', 'main');
create macro ${p}.main.BQ_MD5(x) as unhex(md5(x));
create macro ${p}.main.BQ_TO_HEX(b) as lower(hex(b));
create macro ${p}.main.BQ_TO_JSON_STRING(x) as to_json(x)::varchar;`;
}

/**
 * @param {{ project?: string, location?: string }} [options]
 */
async function startBigQueryServer(options = {}) {
  const { instance, admin } = await openDuck();
  const defaultProject = options.project || 'backflow-test';
  const location = options.location || 'US';
  const projects = new Set();
  const datasets = new Map(); // `${project}.${dataset}` → { access: [{ role, userByEmail }] }
  const accounts = new Map(); // email → { key, projectRoles: Set, datasetRoles: Map }
  const log = { requests: [], queries: [], dryRuns: [], jobs: [], stops: [], cancels: [] };
  let pageRows = 100_000;

  async function ensureProject(project) {
    if (projects.has(project)) return;
    await admin.run(`attach ':memory:' as ${quoteIdent(project)}`);
    await admin.run(infoSchemaSql(project));
    projects.add(project);
  }

  const api = {
    log,
    project: defaultProject,
    location,
    async createDataset(name, project = defaultProject) {
      await ensureProject(project);
      await admin.run(`create schema if not exists ${quoteIdent(project)}.${quoteIdent(name)}`);
      if (!datasets.has(`${project}.${name}`)) datasets.set(`${project}.${name}`, { access: [] });
    },
    /** A service account: returns its key JSON (the "credentials" secret). */
    addServiceAccount(name, { projectRoles = [], project = defaultProject } = {}) {
      const email = `${name}@${project}.iam.gserviceaccount.com`;
      const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      const keyId = crypto.randomBytes(20).toString('hex');
      accounts.set(email, {
        key: crypto.createPublicKey(publicKey),
        keyId,
        projectRoles: new Set(projectRoles),
        datasetRoles: new Map(),
      });
      return {
        email,
        json: JSON.stringify({
          type: 'service_account',
          project_id: project,
          private_key_id: keyId,
          private_key: privateKey,
          client_email: email,
          client_id: '1',
          token_uri: 'https://oauth2.googleapis.com/token',
        }),
      };
    },
    grantDataset(email, dataset, role, project = defaultProject) {
      accounts.get(email).datasetRoles.set(`${project}.${dataset}`, role);
    },
    /** Runs GoogleSQL as an administrator. */
    async sql(text, project = defaultProject) {
      await ensureProject(project);
      const conn = await instance.connect();
      try {
        await conn.run(`use ${quoteIdent(project)}`);
        await conn.run(translate(text, project, 'admin@example.com'));
      } finally {
        conn.closeSync();
      }
    },
    async duck(text) {
      return (await run(admin, text)).json;
    },
  };

  // ------------------------------------------------------------------------------------------------ auth

  function authenticate(req) {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization || '')?.[1];
    const fail = () =>
      new ApiError(
        401,
        'UNAUTHENTICATED',
        'unauthorized',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    if (!token) throw fail();
    const [h, p, s] = token.split('.');
    if (!h || !p || !s) throw fail();
    let payload;
    try {
      payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    } catch {
      throw fail();
    }
    const account = accounts.get(payload.iss);
    if (!account) throw fail();
    const ok = crypto.verify(
      'RSA-SHA256',
      Buffer.from(`${h}.${p}`),
      account.key,
      Buffer.from(s, 'base64url'),
    );
    if (!ok || (payload.exp && payload.exp * 1000 < Date.now())) throw fail();
    return { email: payload.iss, ...account };
  }

  const hasProjectRole = (who, roles) => roles.some((r) => who.projectRoles.has(r));

  function requireJobs(who, project) {
    if (!hasProjectRole(who, RUN_JOBS)) {
      throw new ApiError(
        403,
        'PERMISSION_DENIED',
        'accessDenied',
        `Access Denied: Project ${project}: User does not have bigquery.jobs.create permission in project ${project}.`,
      );
    }
  }

  // --------------------------------------------------------------------------------------------- queries

  /** Checks writes (DDL/DML) against dataset roles: the datasets named in the statement. */
  function checkWrites(who, sql, project) {
    if (!/^\s*(create|drop|truncate|insert|delete|update|merge|alter)\b/i.test(sql)) return;
    if (hasProjectRole(who, WRITE_TABLES)) return;
    const paths = tokenize(sql, LEXICON)
      .filter((t) => t.type === 'qident')
      .map((t) => t.value);
    const joined = paths.join('.').split('.');
    const dataset = joined.length >= 3 ? `${joined[0]}.${joined[1]}` : `${project}.${joined[0]}`;
    const role = who.datasetRoles.get(dataset);
    if (!WRITE_TABLES.includes(role)) {
      throw new ApiError(
        403,
        'PERMISSION_DENIED',
        'accessDenied',
        `Access Denied: Dataset ${dataset.replace('.', ':')}: Permission bigquery.tables.create denied on dataset ${dataset.replace('.', ':')} (or it may not exist).`,
      );
    }
  }

  /** Runs a job's SQL on its connection (bigquery-jobs.js owns the lifecycle and the errors). */
  async function execute(conn, job) {
    log.queries.push(job.sql);
    checkWrites(job.who, job.sql, job.project);
    await conn.run(`use ${quoteIdent(job.project)}`);
    const result = await run(conn, translate(job.sql, job.project, job.who.email));
    const fields = result.columns.map((c) => fieldOf(c.name, c.duckType));
    const rows = result.rows.map((row, r) => ({
      f: row.map((v, i) => cellOf(v, result.json[r][i], fields[i])),
    }));
    return { schema: { fields }, rows };
  }

  /** One page of a finished job's rows: BigQuery pages with `maxResults` and `pageToken`. */
  function page(result, maxResults, pageToken) {
    const start = Number(pageToken || 0);
    const size = Math.min(Number(maxResults) || pageRows, pageRows);
    const rows = result.rows.slice(start, start + size);
    const out = { schema: result.schema, rows, totalRows: String(result.rows.length) };
    if (start + size < result.rows.length) out.pageToken = String(start + size);
    return out;
  }

  async function dryRun(project, sql, who) {
    log.dryRuns.push(sql);
    const conn = await instance.connect();
    try {
      await conn.run(`use ${quoteIdent(project)}`);
      const duckSql = translate(sql, project, who.email);
      const prepared = await conn.prepare(duckSql);
      const fields = [];
      for (let i = 0; i < prepared.columnCount; i++)
        fields.push(fieldOf(prepared.columnName(i), prepared.columnType(i)));
      prepared.destroySync?.();
      return { fields, bytes: await bytesProcessed(conn, duckSql) };
    } catch (err) {
      throw apiErrorOf(err, sql, project, location);
    } finally {
      conn.closeSync();
    }
  }

  const jobs = new Jobs({ instance, location, log, execute });
  api.setJobsHang = (on) => (jobs.hang = on);
  api.setIncompleteAnswers = (n) => (jobs.incompleteAnswers = n);
  api.setJobTimeoutEnforced = (on) => (jobs.enforceTimeout = on);
  api.setPageRows = (n) => (pageRows = n);
  api.job = (jobId) => {
    const job = jobs.get(jobId);
    return job && jobs.resource(job);
  };

  // ------------------------------------------------------------------------------------------------ HTTP

  async function route(req, body) {
    const url = new URL(req.url, 'http://127.0.0.1');
    const m = /^\/bigquery\/v2\/projects\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!m) throw new ApiError(404, 'NOT_FOUND', 'notFound', `Not found: ${url.pathname}`);
    const project = decodeURIComponent(m[1]);
    const rest = m[2] || '';
    const who = authenticate(req);
    await ensureProject(project);

    if (req.method === 'POST' && rest === '/queries') {
      requireJobs(who, project);
      if (body.dryRun) {
        const { fields, bytes } = await dryRun(project, body.query, who);
        return {
          kind: 'bigquery#queryResponse',
          jobReference: jobs.reference(project),
          jobComplete: true,
          schema: { fields },
          totalBytesProcessed: bytes,
        };
      }
      const job = jobs.start({ who, project, sql: body.query, jobTimeoutMs: body.jobTimeoutMs });
      const result = await jobs.results(job, body.timeoutMs ?? 10_000);
      if (!result.jobComplete)
        return { kind: 'bigquery#queryResponse', jobReference: job.reference, jobComplete: false };
      return {
        kind: 'bigquery#queryResponse',
        jobReference: job.reference,
        jobComplete: true,
        ...page(result, body.maxResults),
        cacheHit: false,
      };
    }
    if (req.method === 'POST' && rest === '/jobs') {
      requireJobs(who, project);
      const config = body.configuration || {};
      const sql = config.query && config.query.query;
      const reference = { ...jobs.reference(project), ...(body.jobReference || {}) };
      if (config.dryRun) {
        const { fields, bytes } = await dryRun(project, sql, who);
        return {
          kind: 'bigquery#job',
          jobReference: reference,
          configuration: config,
          status: { state: 'DONE' },
          statistics: {
            totalBytesProcessed: bytes,
            query: { schema: { fields }, totalBytesProcessed: bytes, statementType: 'SELECT' },
          },
        };
      }
      const job = jobs.start({ who, project, sql, jobTimeoutMs: config.jobTimeoutMs, reference });
      return jobs.resource(job);
    }
    const results = /^\/queries\/([^/]+)$/.exec(rest);
    if (req.method === 'GET' && results) {
      const job = jobs.get(decodeURIComponent(results[1]));
      if (!job) throw new ApiError(404, 'NOT_FOUND', 'notFound', `Not found: Job ${project}:${results[1]}`);
      const q = url.searchParams;
      const result = await jobs.results(job, Number(q.get('timeoutMs') ?? 10_000));
      if (!result.jobComplete)
        return { kind: 'bigquery#getQueryResultsResponse', jobReference: job.reference, jobComplete: false };
      return {
        kind: 'bigquery#getQueryResultsResponse',
        jobReference: job.reference,
        jobComplete: true,
        ...page(result, q.get('maxResults'), q.get('pageToken')),
      };
    }
    const jobPath = /^\/jobs\/([^/]+)(\/cancel)?$/.exec(rest);
    if (jobPath) {
      const job = jobs.get(decodeURIComponent(jobPath[1]));
      if (!job) throw new ApiError(404, 'NOT_FOUND', 'notFound', `Not found: Job ${project}:${jobPath[1]}`);
      if (req.method === 'POST' && jobPath[2]) {
        log.cancels.push(job.reference.jobId);
        jobs.stop(job, 'stopped', 'Job execution was cancelled: User requested cancellation');
        return { kind: 'bigquery#jobCancelResponse', job: jobs.resource(job) };
      }
      if (req.method === 'GET' && !jobPath[2]) return jobs.resource(job);
    }
    const ds = /^\/datasets\/([^/]+)$/.exec(rest);
    if (req.method === 'GET' && ds) {
      const name = decodeURIComponent(ds[1]);
      const entry = datasets.get(`${project}.${name}`);
      if (!entry) throw new ApiError(404, 'NOT_FOUND', 'notFound', `Not found: Dataset ${project}:${name}`);
      if (!hasProjectRole(who, READ_METADATA) && !who.datasetRoles.has(`${project}.${name}`)) {
        throw new ApiError(
          403,
          'PERMISSION_DENIED',
          'accessDenied',
          `Access Denied: Dataset ${project}:${name}: Permission bigquery.datasets.get denied on dataset ${project}:${name} (or it may not exist).`,
        );
      }
      return {
        kind: 'bigquery#dataset',
        id: `${project}:${name}`,
        datasetReference: { projectId: project, datasetId: name },
        location,
        access: entry.access,
      };
    }
    if (req.method === 'POST' && rest === '/datasets') {
      const name = body.datasetReference && body.datasetReference.datasetId;
      if (!hasProjectRole(who, CREATE_DATASETS)) {
        throw new ApiError(
          403,
          'PERMISSION_DENIED',
          'accessDenied',
          `Access Denied: Project ${project}: User does not have bigquery.datasets.create permission in project ${project}.`,
        );
      }
      if (datasets.has(`${project}.${name}`))
        throw new ApiError(409, 'ALREADY_EXISTS', 'duplicate', `Already Exists: Dataset ${project}:${name}`);
      await api.createDataset(name, project);
      datasets.get(`${project}.${name}`).access.push({ role: 'OWNER', userByEmail: who.email });
      who.datasetRoles.set(`${project}.${name}`, 'OWNER');
      return {
        kind: 'bigquery#dataset',
        id: `${project}:${name}`,
        datasetReference: { projectId: project, datasetId: name },
        location: body.location || location,
      };
    }
    throw new ApiError(404, 'NOT_FOUND', 'notFound', `Not found: ${req.method} ${url.pathname}`);
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body = {};
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = {};
      }
      log.requests.push({ method: req.method, path: req.url, body });
      try {
        const result = await route(req, body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
      } catch (err) {
        const e =
          err instanceof ApiError
            ? err
            : new ApiError(500, 'INTERNAL', 'internalError', String(err && err.stack));
        res.writeHead(e.code, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: {
              code: e.code,
              message: e.message,
              status: e.status,
              errors: [{ message: e.message, domain: 'global', reason: e.reason }],
            },
          }),
        );
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await ensureProject(defaultProject);
  api.port = port;
  api.url = `http://127.0.0.1:${port}`;
  api.stop = async () => {
    await jobs.stopAll();
    server.closeAllConnections?.();
    await new Promise((r) => server.close(() => r()));
    admin.closeSync();
    instance.closeSync?.();
  };
  return api;
}

module.exports = { startBigQueryServer, translate };
