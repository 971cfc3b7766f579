/**
 * What a real BigQuery makes the client and the adapter do, against the protocol-level server: a job that
 * outlives the call's wait (`jobComplete: false`) is polled; a job past statement_timeout_ms carries
 * `jobTimeoutMs` and is cancelled with jobs.cancel if BigQuery did not stop it, and the job ends either way;
 * results come in pages; dry runs report bytes; errors carry BigQuery's `error.errors[].reason`.
 * See test/servers/bigquery/README.md.
 */
import '../../helpers/sdk-shims';
import { BigQuery } from '@google-cloud/bigquery';
import * as auth from 'google-auth-library';
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter, WarehouseSettings } from '../../../src/adapters/warehouse/warehouse';
import { UserError } from '../../../src/errors';
import { bigQueryOptions } from '../../../src/adapters/warehouse/bigquery/bigquery-driver';
import { readBigQuerySettings } from '../../../src/adapters/warehouse/bigquery/bigquery-settings';
import { startBigQueryWorld, type BigQueryWorld } from '../../helpers/bigquery';

let world: BigQueryWorld;
let client: BigQuery;
const opened: WarehouseAdapter[] = [];

async function connect(settings: WarehouseSettings = world.settings): Promise<WarehouseAdapter> {
  const adapter = await getDialect('bigquery').connect(settings);
  opened.push(adapter);
  return adapter;
}

async function failure(promise: Promise<unknown>): Promise<any> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeDefined();
  return err;
}

beforeAll(async () => {
  world = await startBigQueryWorld();
  await world.server.sql(
    "create table `marts`.`users` (id INT64, email STRING, active BOOL); insert into `marts`.`users` values (1, 'a@example.com', true), (2, 'b@example.com', false), (3, 'c@example.com', true)",
  );
  client = new BigQuery(bigQueryOptions(readBigQuerySettings(world.settings), auth));
});

afterEach(() => {
  world.server.setJobsHang(false);
  world.server.setJobTimeoutEnforced(true);
  world.server.setIncompleteAnswers(0);
  world.server.setPageRows(100_000);
});

afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
  await world.server.stop();
});

const lastJob = () => world.server.log.jobs.at(-1)!;

test('a job not complete within the wait is polled with jobs.getQueryResults until it is', async () => {
  world.server.setIncompleteAnswers(3);
  const adapter = await connect();
  const polls = () => world.server.log.requests.filter((r) => /\/queries\/job_/.test(r.path)).length;
  const before = polls();
  const result = await adapter.preview('select id from `marts`.`users` order by id', 10);
  expect(result.rows).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }]); // INT64 exact, as strings
  expect(polls() - before).toBe(3);
});

test('rows arrive in pages; all pages are read', async () => {
  world.server.setPageRows(2);
  const adapter = await connect();
  const result = await adapter.preview('select email from `marts`.`users` order by id', 10);
  expect(result.rows.map((r) => r.email)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
  expect(world.server.log.requests.filter((r) => /pageToken=2/.test(r.path))).toHaveLength(1);
});

test('every query carries jobTimeoutMs = statement_timeout_ms', async () => {
  const adapter = await connect({ ...world.settings, statement_timeout_ms: 45_000 });
  await adapter.preview('select 1 as x', 1);
  expect(lastJob().jobTimeoutMs).toBe(45_000);
});

test('a job BigQuery does not stop at jobTimeoutMs is cancelled with jobs.cancel, and ends', async () => {
  world.server.setJobsHang(true);
  world.server.setJobTimeoutEnforced(false);
  const adapter = await connect({ ...world.settings, statement_timeout_ms: 1000 });
  const err = await failure(adapter.preview('select id from `marts`.`users`', 1));
  expect(err).toBeInstanceOf(UserError);
  expect(err.message).toMatch(/^previewing the query timed out after 1 s on BigQuery/);
  const job = lastJob();
  expect(world.server.log.cancels).toContain(job.jobId);
  expect(world.server.job(job.jobId)!.status).toEqual({
    state: 'DONE',
    errorResult: { reason: 'stopped', message: expect.stringMatching(/cancelled/) },
    errors: [expect.objectContaining({ reason: 'stopped' })],
  });
});

test('a job BigQuery stops at jobTimeoutMs reports the timeout and needs no cancel', async () => {
  world.server.setJobsHang(true);
  const adapter = await connect({ ...world.settings, statement_timeout_ms: 1000 });
  const err = await failure(adapter.preview('select id from `marts`.`users`', 1));
  expect(err.message).toMatch(/^previewing the query timed out after 1 s on BigQuery/);
  const job = lastJob();
  expect(world.server.log.cancels).not.toContain(job.jobId);
  expect(world.server.job(job.jobId)!.status.errorResult?.reason).toBe('timeout');
});

test('a dry run reports the bytes the query would read and runs nothing', async () => {
  const jobs = world.server.log.jobs.length;
  const [, response] = await client.createQueryJob({
    query: 'select id, email from `marts`.`users` where active',
    dryRun: true,
    useLegacySql: false,
  });
  // INT64 8 × 3 + STRING (2 + 13) × 3 + BOOL 1 × 3: every column of the table, as billed.
  expect((response as any).statistics.totalBytesProcessed).toBe('72');
  expect(world.server.log.jobs.length).toBe(jobs);
});

describe('errors carry BigQuery reasons in error.errors[]', () => {
  test('notFound: a missing table or dataset', async () => {
    let err = await failure(client.query('select * from `marts`.`nope`'));
    expect([err.code, err.errors[0].reason]).toEqual([404, 'notFound']);
    expect(err.message).toBe('Not found: Table backflow-test:marts.nope was not found in location US');
    err = await failure(client.query('select * from `no_dataset`.`users`'));
    expect([err.code, err.errors[0].reason]).toEqual([404, 'notFound']);
    expect(err.message).toBe('Not found: Dataset backflow-test:no_dataset was not found in location US');
  });

  test('invalidQuery: an unknown column or a syntax error', async () => {
    let err = await failure(client.query('select nope from `marts`.`users`'));
    expect([err.code, err.errors[0].reason]).toEqual([400, 'invalidQuery']);
    expect(err.message).toBe('Unrecognized name: nope at [1:8]');
    err = await failure(client.query('select from where'));
    expect([err.code, err.errors[0].reason]).toEqual([400, 'invalidQuery']);
    expect(err.message).toMatch(/^Syntax error: /);
  });

  test('accessDenied: a principal without bigquery.jobs.create', async () => {
    const other = world.server.addServiceAccount('viewer', { projectRoles: ['roles/bigquery.dataViewer'] });
    const viewer = new BigQuery(
      bigQueryOptions(readBigQuerySettings({ ...world.settings, credentials: other.json }), auth),
    );
    const err = await failure(viewer.query('select 1'));
    expect([err.code, err.errors[0].reason]).toEqual([403, 'accessDenied']);
  });
});
