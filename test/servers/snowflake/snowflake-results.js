'use strict';
/**
 * How the Snowflake test server hands results back, as Snowflake does:
 *
 * - A statement not finished after `asyncAfterMs` (Snowflake: about 45 s) is answered with code 333334
 *   ("Asynchronous execution in progress") and `data.getResultUrl`; the sdk then GETs that URL until the
 *   result is there, each answer in between being 333333 ("Query execution in progress"). Source:
 *   snowflake-sdk dist/lib/connection/statement.js (queryCodes, buildResultRequestCallback).
 *   `setQueryInProgress(n)` makes every statement go this way n times whatever its speed, so tests take
 *   the driver's polling path without depending on the machine's speed.
 * - A result larger than `chunkRows` comes as the first rows inline (`rowset`) plus `chunks[]` of URLs the
 *   sdk downloads itself with the `qrmk` encryption-key header, as from S3 (gzip-compressed JSON rows
 *   without the outer brackets). Source: dist/lib/connection/result/result.js (createChunks, qrmk) and
 *   chunk.js (`JSON.parse('[' + body + ']')`). A download without the key header gets S3's 403.
 */
const { Buffer } = require('node:buffer');
const { setTimeout, clearTimeout } = require('node:timers');
const crypto = require('node:crypto');
const zlib = require('node:zlib');

const IN_PROGRESS = {
  333334:
    'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.',
  333333: 'Query execution in progress. Query will be continued to be executed.',
};

class QueryResults {
  constructor({ behaviour, log, baseUrl, SqlError }) {
    this.behaviour = behaviour;
    this.log = log;
    this.baseUrl = baseUrl;
    this.SqlError = SqlError;
    this.queries = new Map();
    this.chunks = new Map();
  }

  /** POST /queries/v1/query-request: runs `execute` and answers with the result or "in progress". */
  async start(queryId, session, execute) {
    const q = { id: queryId, session, polls: this.behaviour.inProgressPolls, body: undefined };
    q.done = execute().then(
      (result) => (q.body = this.success(q, result)),
      (err) => (q.body = this.failure(q, err)),
    );
    this.queries.set(queryId, q);
    return this.answer(q, '333334');
  }

  /** GET /queries/<id>/result. */
  async poll(queryId, session) {
    this.log.resultPolls += 1;
    const q = this.queries.get(queryId);
    if (!q || q.session !== session) {
      return {
        success: false,
        code: '000709',
        message: `Statement ${queryId} not found`,
        data: { errorCode: '000709', sqlState: '02000', queryId },
      };
    }
    return this.answer(q, '333333');
  }

  async answer(q, code) {
    if (q.polls > 0) {
      q.polls -= 1;
      return inProgress(q, code);
    }
    let timer;
    const finished = await Promise.race([
      q.done.then(() => true),
      new Promise((r) => (timer = setTimeout(() => r(false), this.behaviour.asyncAfterMs))),
    ]);
    clearTimeout(timer);
    if (!finished) return inProgress(q, code);
    this.queries.delete(q.id);
    return q.body;
  }

  success(q, { rowtype, rowset }) {
    const size = this.behaviour.chunkRows;
    const data = {
      parameters: [],
      rowtype,
      rowset: rowset.length > size ? rowset.slice(0, size) : rowset,
      total: rowset.length,
      returned: rowset.length,
      queryId: q.id,
      databaseProvider: null,
      finalDatabaseName: q.session.database,
      finalSchemaName: q.session.schema,
      finalWarehouseName: q.session.warehouse,
      finalRoleName: q.session.role,
      numberOfBinds: 0,
      statementTypeId: 4096,
      version: 1,
      queryResultFormat: 'json',
    };
    if (rowset.length > size) {
      const qrmk = crypto.randomBytes(32).toString('base64');
      data.qrmk = qrmk;
      data.chunks = [];
      for (let start = size, n = 0; start < rowset.length; start += size, n++) {
        const rows = rowset.slice(start, start + size);
        const body = rows.map((r) => JSON.stringify(r)).join(',');
        this.chunks.set(`${q.id}/${n}`, { body: zlib.gzipSync(body), qrmk });
        data.chunks.push({
          url: `${this.baseUrl}/chunks/${q.id}/${n}`,
          rowCount: rows.length,
          uncompressedSize: Buffer.byteLength(body),
          compressedSize: this.chunks.get(`${q.id}/${n}`).body.length,
        });
      }
    }
    return { success: true, code: null, message: null, data };
  }

  failure(q, err) {
    const e =
      err instanceof this.SqlError ? err : new this.SqlError('000603', 'XX000', String(err && err.stack));
    return {
      success: false,
      code: e.code,
      message: e.message,
      data: { errorCode: e.code, sqlState: e.sqlState, queryId: q.id, internalError: false },
    };
  }

  /** GET /chunks/<query id>/<n>, as S3 serves a result chunk. */
  serveChunk(req, res, queryId, n) {
    const chunk = this.chunks.get(`${queryId}/${n}`);
    const xml = (status, code) => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code></Error>`);
    };
    if (!chunk) return xml(404, 'NoSuchKey');
    if (req.headers['x-amz-server-side-encryption-customer-key'] !== chunk.qrmk)
      return xml(403, 'AccessDenied');
    this.log.chunkDownloads += 1;
    res.writeHead(200, { 'content-type': 'binary/octet-stream', 'content-encoding': 'gzip' });
    res.end(chunk.body);
  }
}

function inProgress(q, code) {
  return {
    success: true,
    code,
    message: IN_PROGRESS[code],
    data: {
      queryId: q.id,
      getResultUrl: `/queries/${q.id}/result`,
      queryAbortsAfterSecs: 300,
      progressDesc: null,
    },
  };
}

module.exports = { QueryResults };
