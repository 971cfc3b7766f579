/**
 * `backflow agent`: the long-running side. Reads the applied state through the workspace's backend (the
 * config is read only to find that backend), fires schedules, receives dbt Cloud webhooks, works the run
 * queue on Postgres, and serves /metrics, /healthz and the runs dashboard. SIGTERM stops it gracefully.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../errors';
import { parseRef, dashboardRoutes, isLoopback } from '../../agent/dashboard';
import { realRunFn } from '../../agent/run-fn';
import { startAgent } from '../../agent/start-agent';
import { readSecret } from '../../config/secrets';
import { DbtCloudClients } from '../../engine/dbt-cloud-clients';
import { openBackend } from '../../state/backends';
import { loadDesired, parseDuration, type GlobalOptions } from '../workspace';

export interface AgentFlags extends GlobalOptions {
  databaseUrl?: string;
  listen?: string;
  concurrency?: string;
  lease?: string;
  reloadInterval?: string;
  dbtWebhookSecret?: string[];
  dbtPollInterval?: string;
  dbtCatchupInterval?: string;
  dashboardToken?: string;
  tlsCert?: string;
  tlsKey?: string;
  afterSyncOnPartial?: boolean;
}

function listenOf(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new UserError(`--listen must be HOST:PORT (e.g. 127.0.0.1:8080), got "${text}"`);
  return { host: m[1] ?? m[2], port: Number(m[3]) };
}

/**
 * `BACKFLOW_AGENT_CLOCK=2026-03-02T09:58:00Z,10`: the agent's schedule clock starts at that instant when the
 * process starts and runs 10 times faster than real time. For tests and demos of schedules (a daily slot
 * comes round in minutes, not a day); unset, the agent uses the real clock.
 */
export function agentClock(text: string | undefined, realNow = Date.now): (() => number) | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const m = /^\s*([^,]+?)\s*(?:,\s*(\d+(?:\.\d+)?)\s*)?$/.exec(text);
  const start = m ? Date.parse(m[1]) : NaN;
  const speed = m?.[2] === undefined ? 1 : Number(m[2]);
  if (!m || !Number.isFinite(start) || !(speed > 0))
    throw new UserError(
      `BACKFLOW_AGENT_CLOCK must be "ISO-TIME" or "ISO-TIME,SPEED" (e.g. 2026-03-02T09:58:00Z,10), got "${text}"`,
      'Unset it to use the real clock.',
    );
  const realStart = realNow();
  return () => start + (realNow() - realStart) * speed;
}

function seconds(flag: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1000)
    throw new UserError(`${flag} must be a duration of at least 1s (e.g. 30s, 15m), got "${text}"`);
  return Math.round(ms / 1000);
}

export async function agentCommand(flags: AgentFlags): Promise<number> {
  const desired = await loadDesired({ ...flags, readSecrets: false });
  const backendConfig = desired.backend;
  if (backendConfig.type === 'pg' && backendConfig.connection_string_error)
    throw new UserError(
      backendConfig.connection_string_error.message,
      backendConfig.connection_string_error.hint,
    );
  const databaseUrl =
    flags.databaseUrl ??
    process.env.BACKFLOW_AGENT_DATABASE_URL ??
    (backendConfig.type === 'pg' ? backendConfig.connection_string : undefined);
  if (!databaseUrl)
    throw new UserError(
      'The agent needs a Postgres database for its run queue',
      'Pass --database-url postgres://… (or set BACKFLOW_AGENT_DATABASE_URL); with the "pg" state backend its database is used by default.',
    );
  const concurrency = flags.concurrency === undefined ? 4 : Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new UserError(`--concurrency must be a whole number from 1 to 64, got "${flags.concurrency}"`);
  const listen = listenOf(flags.listen ?? '127.0.0.1:8080');
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
    throw new UserError(
      '--tls-cert and --tls-key go together',
      'Give both PEM files, or neither (plain HTTP).',
    );
  const tls =
    flags.tlsCert && flags.tlsKey
      ? { cert: readPem(flags.tlsCert, '--tls-cert'), key: readPem(flags.tlsKey, '--tls-key') }
      : undefined;
  const secretRefs = (flags.dbtWebhookSecret ?? []).map((t) => parseRef(t, '--dbt-webhook-secret'));
  const webhookSecrets = () =>
    secretRefs.map((ref) => readSecret(ref, desired.configDir, '--dbt-webhook-secret'));
  webhookSecrets(); // fail now, not at the first delivery
  const tokenRef =
    flags.dashboardToken === undefined ? undefined : parseRef(flags.dashboardToken, '--dashboard-token');
  if (!tokenRef && !isLoopback(listen.host))
    throw new UserError(
      `--listen ${listen.host} is not a loopback address: the dashboard needs --dashboard-token`,
      'Pass --dashboard-token env:NAME (or file:PATH); the token is a secret reference, never a value on the command line.',
    );
  const token = tokenRef && readSecret(tokenRef, desired.configDir, '--dashboard-token');
  const now = agentClock(process.env.BACKFLOW_AGENT_CLOCK);

  const dbtCloud = new DbtCloudClients(desired.configDir);
  const backend = openBackend(backendConfig);
  const running = await startAgent({
    databaseUrl,
    readState: () => backend.read(),
    runFn: realRunFn(backendConfig, desired.configDir),
    listen: { ...listen, tls },
    webhookSecrets,
    dbtCloudClient: (link) => dbtCloud.get(`dbt_cloud.${link.name}`, link.attributes),
    dbtPollMs: seconds('--dbt-poll-interval', flags.dbtPollInterval, 60) * 1000,
    dbtCatchUpMs: seconds('--dbt-catchup-interval', flags.dbtCatchupInterval, 600) * 1000,
    concurrency,
    leaseSeconds: seconds('--lease', flags.lease, 900),
    reloadMs: seconds('--reload-interval', flags.reloadInterval, 10) * 1000,
    afterSyncOnPartial: flags.afterSyncOnPartial === true,
    now,
    dashboard: (agent) => dashboardRoutes({ agent, configDir: desired.configDir, token }),
  });
  process.stderr.write(
    `backflow agent: ${running.http?.url} (dashboard, /metrics, /healthz, /webhooks/dbt-cloud)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await running.stop();
  await backend.close();
  return 0;
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UserError(`${flag} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
