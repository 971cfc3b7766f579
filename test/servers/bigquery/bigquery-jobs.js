'use strict';
/**
 * Query jobs of the BigQuery test server, with the lifecycle of real BigQuery jobs
 * (cloud.google.com/bigquery/docs/reference/rest/v2/jobs):
 *
 * - A job runs until it finishes, fails, is cancelled (jobs.cancel) or passes its `jobTimeoutMs`; the
 *   `timeoutMs` of jobs.query and jobs.getQueryResults is only how long that call waits: past it the answer
 *   is `jobComplete: false` and the job keeps running.
 * - `setIncompleteAnswers(n)` makes the first n answers about each job `jobComplete: false` whatever its
 *   speed, so the client's polling path is taken deterministically.
 * - `setJobsHang(true)` makes every new job run until cancelled or timed out (a query that would take hours),
 *   so tests reach the timeout and cancel paths without depending on the machine's speed;
 *   `setJobTimeoutEnforced(false)` models BigQuery "attempting" to stop a job at jobTimeoutMs and not
 *   succeeding (REST docs of `jobTimeoutMs`), so only jobs.cancel ends it.
 * - A failed job's error is its `errorResult`; jobs.getQueryResults answers with it as an HTTP error whose
 *   `error.errors[].reason` is BigQuery's (cloud.google.com/bigquery/docs/error-messages): `notFound`,
 *   `invalidQuery`, `accessDenied`, `stopped` (cancelled), `timeout` (jobTimeoutMs).
 * - Dry runs report `totalBytesProcessed`: the logical bytes of every column of every table the query reads
 *   (INT64/FLOAT64/TIMESTAMP 8, BOOL 1, NUMERIC 16, STRING/BYTES 2 + length), as BigQuery counts them
 *   (cloud.google.com/bigquery/pricing#data), without its column pruning.
 */
const crypto = require('node:crypto');
const { setTimeout, clearTimeout } = require('node:timers');

class ApiError extends Error {
  constructor(code, status, reason, message) {
    super(message);
    this.code = code;
    this.status = status;
    this.reason = reason;
  }
}

const badQuery = (message) => new ApiError(400, 'INVALID_ARGUMENT', 'invalidQuery', message);

/** Waits for `promise` at most `ms`; true when it settled. */
async function within(promise, ms) {
  let timer;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise((r) => (timer = setTimeout(() => r(false), Math.max(0, ms)))),
  ]);
  clearTimeout(timer);
  return settled;
}

/** A DuckDB error as BigQuery reports the same failure. `sql` is the GoogleSQL text, `project` the default. */
function apiErrorOf(err, sql, project, location) {
  if (err instanceof ApiError) return err;
  const message = String((err && err.message) || err)
    .split('\n\nLINE')[0]
    .split('\nDid you mean')[0]
    .split('\nCandidate bindings')[0];
  const at = positionOf(message, sql);
  const unq = (s) => String(s).replace(/^"(.*)"$/s, '$1');
  let m;
  if ((m = /Table with name (.+?) does not exist because schema (.+?) does not exist/.exec(message)))
    return notFound(`Dataset ${project}:${unq(m[2])}`, location);
  if ((m = /Schema with name (.+?) does not exist/.exec(message)))
    return notFound(`Dataset ${project}:${unq(m[1])}`, location);
  if ((m = /^(?:Catalog|Binder) Error: Catalog "(.+?)" does not exist/.exec(message)))
    return new ApiError(404, 'NOT_FOUND', 'notFound', `Not found: Project ${unq(m[1])}`);
  if ((m = /(?:Table|View) with name (.+?) does not exist/.exec(message))) {
    const table = unq(m[1]);
    const path = pathEndingIn(sql, table);
    const dataset = path.length >= 2 ? path[path.length - 2] : '?';
    const proj = path.length >= 3 ? path[path.length - 3] : project;
    return notFound(`Table ${proj}:${dataset}.${table}`, location);
  }
  if ((m = /Referenced column (.+?) not found/.exec(message)))
    return badQuery(`Unrecognized name: ${unq(m[1])} at [${at}]`);
  if ((m = /Function with name (.+?) does not exist/.exec(message)))
    return badQuery(`Function not found: ${unq(m[1])} at [${at}]`);
  if (/^Parser Error/.test(message))
    return badQuery(`Syntax error: ${message.replace(/^Parser Error: /, '')} at [${at}]`);
  return badQuery(message.replace(/^[A-Za-z ]+ Error: /, ''));
}

function notFound(what, location) {
  return new ApiError(
    404,
    'NOT_FOUND',
    'notFound',
    `Not found: ${what} was not found in location ${location}`,
  );
}

/** `line:column` of the first mention of the name in the error, as BigQuery appends it (`at [1:8]`). */
function positionOf(message, sql) {
  const name = /"([^"]+)"/.exec(message)?.[1];
  const index = name ? sql.indexOf(name) : -1;
  if (index < 0) return '1:1';
  const before = sql.slice(0, index);
  return `${before.split('\n').length}:${index - before.lastIndexOf('\n')}`;
}

/** The dotted path (backticked or not) in `sql` whose last part is `name`. */
function pathEndingIn(sql, name) {
  const re = /`([^`]+)`|([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)/g;
  let m;
  let parts = [];
  while ((m = re.exec(sql))) {
    const text = m[1] ?? m[2];
    const candidate = text.split('.');
    // `a`.`b` written as separate backticked parts
    if (sql[m.index - 1] === '.' && parts.length > 0) parts = [...parts, ...candidate];
    else parts = candidate;
    if (parts[parts.length - 1] === name) return parts;
  }
  return [name];
}

class Jobs {
  /**
   * @param {{ instance: object, location: string, log: object, execute: Function, translate: Function }} o
   *   `execute(conn, job)` runs the job's SQL on `conn` and returns { fields, rows }.
   */
  constructor(o) {
    Object.assign(this, o);
    this.jobs = new Map();
    this.hang = false;
    this.enforceTimeout = true;
    this.incompleteAnswers = 0;
  }

  reference(project) {
    return {
      projectId: project,
      jobId: `job_${crypto.randomBytes(8).toString('hex')}`,
      location: this.location,
    };
  }

  /** Starts a query job; returns it at once (it runs in the background). */
  start({ who, project, sql, jobTimeoutMs, reference }) {
    const job = {
      reference: reference || this.reference(project),
      project,
      sql,
      who,
      state: 'RUNNING',
      result: undefined,
      error: undefined,
      stopped: undefined,
      conn: undefined,
      halt: undefined,
      jobTimeoutMs: jobTimeoutMs ? Number(jobTimeoutMs) : undefined,
      incomplete: this.incompleteAnswers,
    };
    this.log.jobs.push({ jobId: job.reference.jobId, sql, jobTimeoutMs: job.jobTimeoutMs });
    job.done = this.runJob(job);
    this.jobs.set(job.reference.jobId, job);
    if (job.jobTimeoutMs) {
      job.timer = setTimeout(() => {
        if (this.enforceTimeout)
          this.stop(
            job,
            'timeout',
            `Job timed out after ${job.jobTimeoutMs / 1000} sec. Consider increasing jobTimeoutMs.`,
          );
      }, job.jobTimeoutMs);
    }
    return job;
  }

  async runJob(job) {
    const conn = await this.instance.connect();
    job.conn = conn;
    try {
      const result = await this.execute(conn, job);
      if (this.hang && !job.stopped) await new Promise((_, reject) => (job.halt = reject));
      if (job.stopped) throw job.stopped;
      job.result = result;
    } catch (err) {
      job.error = job.stopped || apiErrorOf(err, job.sql, job.project, this.location);
    } finally {
      job.state = 'DONE';
      clearTimeout(job.timer);
      job.conn = undefined;
      conn.closeSync();
    }
  }

  /** Ends a running job with `reason` (stopped: cancelled; timeout: jobTimeoutMs). */
  stop(job, reason, message) {
    if (job.state === 'DONE' || job.stopped) return;
    job.stopped = new ApiError(400, 'INVALID_ARGUMENT', reason, message);
    this.log.stops.push({ jobId: job.reference.jobId, reason });
    job.conn?.interrupt();
    job.halt?.(job.stopped);
  }

  get(jobId) {
    return this.jobs.get(jobId);
  }

  /** Waits up to `timeoutMs` for the job, then: its result, its error (thrown), or jobComplete false. */
  async results(job, timeoutMs) {
    if (job.incomplete > 0) {
      job.incomplete -= 1;
      return { jobComplete: false };
    }
    await within(job.done, timeoutMs);
    if (job.state !== 'DONE') return { jobComplete: false };
    if (job.error) throw job.error;
    return { jobComplete: true, ...job.result };
  }

  /** The job resource (jobs.get, jobs.cancel). */
  resource(job) {
    const status = { state: job.state };
    if (job.state === 'DONE' && job.error) {
      status.errorResult = { reason: job.error.reason, message: job.error.message };
      status.errors = [status.errorResult];
    }
    return {
      kind: 'bigquery#job',
      id: `${job.project}:${job.reference.location}.${job.reference.jobId}`,
      jobReference: job.reference,
      configuration: {
        query: { query: job.sql },
        jobTimeoutMs: job.jobTimeoutMs ? String(job.jobTimeoutMs) : undefined,
      },
      status,
    };
  }

  stopAll() {
    for (const job of this.jobs.values())
      this.stop(job, 'stopped', 'Job execution was cancelled: server stopped');
    return Promise.all([...this.jobs.values()].map((j) => j.done));
  }
}

/**
 * Logical bytes the query would read: every column of every table it names (BigQuery bills the referenced
 * columns only; counting all keeps this simple and never under-reports).
 */
async function bytesProcessed(conn, duckSql) {
  const tree = (await conn.runAndReadAll(`select json_serialize_sql(${quote(duckSql)})`)).getRowsJson()[0][0];
  const tables = new Map();
  JSON.parse(String(tree), (k, v) => {
    if (v && v.type === 'BASE_TABLE' && v.table_name) {
      const key = [v.catalog_name, v.schema_name, v.table_name].filter(Boolean);
      tables.set(key.join('\u0000'), key);
    }
    return v;
  });
  let total = 0n;
  for (const parts of tables.values()) {
    const name = parts.map((p) => `"${p.replace(/"/g, '""')}"`).join('.');
    let columns;
    try {
      columns = (await conn.runAndReadAll(`describe ${name}`)).getRowsJson();
    } catch {
      continue; // not a table (a CTE name, a view of the information schema)
    }
    const sizes = columns.map(([column, type]) => {
      const c = `"${String(column).replace(/"/g, '""')}"`;
      const t = String(type).toUpperCase();
      if (t === 'VARCHAR' || t === 'BLOB') return `coalesce(sum(2 + octet_length(${c}::blob)), 0)`;
      if (t === 'BOOLEAN') return `count(${c})`;
      if (t.startsWith('DECIMAL')) return `16 * count(${c})`;
      return `8 * count(${c})`;
    });
    if (sizes.length === 0) continue;
    const row = (await conn.runAndReadAll(`select ${sizes.join(' + ')} from ${name}`)).getRowsJson()[0];
    total += BigInt(row[0] ?? 0);
  }
  return total.toString();
}

const quote = (s) => `'${String(s).replace(/'/g, "''")}'`;

module.exports = { Jobs, ApiError, badQuery, apiErrorOf, bytesProcessed, within };
