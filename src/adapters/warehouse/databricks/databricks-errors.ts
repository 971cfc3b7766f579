/**
 * @databricks/sql and Databricks SQL errors turned into UserErrors: the host and HTTP path to check, the
 * token, the workspace IP access list, the catalog, the GRANT to run. Scrubbed of the token.
 */
import { UserError } from '../../../errors';
import { formatMs, scrubber, scrubbedError } from '../secret-scrub';
import { hostPort, type DatabricksSettings } from './databricks-settings';

interface DriverError {
  code?: string | number;
  message?: string;
  statusCode?: number;
  response?: { statusCode?: number; status?: unknown };
  name?: string;
}

const NETWORK = /(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ETIMEDOUT)/;

function httpStatus(e: DriverError): number | undefined {
  if (typeof e.statusCode === 'number') return e.statusCode;
  const m = /bad HTTP status code: (\d{3})/.exec(e.message ?? '');
  if (m) return Number(m[1]);
  // The driver's OperationStateError carries the Thrift TGetOperationStatusResp as `response`, whose
  // `status` is a TStatus object, not an HTTP status: only numbers count here.
  const status = e.response?.statusCode ?? e.response?.status;
  return typeof status === 'number' ? status : undefined;
}

export function connectionError(err: unknown, settings: DatabricksSettings): Error {
  if (err instanceof UserError) return err;
  const scrub = scrubber(settings.secrets);
  const u = (m: string, h?: string) => scrubbedError(scrub, m, h);
  const e = (err ?? {}) as DriverError;
  const message = (e.message ?? String(err)).trim();
  const where = hostPort(settings);
  if (e.code === 'BACKFLOW_CONNECT_TIMEOUT' || /timed? ?out/i.test(message)) {
    return u(
      `cannot reach Databricks at ${where} (timed out after ${formatMs(settings.connect_timeout_ms)})`,
      'Check "host" and "port", proxy and firewall. A stopped SQL warehouse starts on connection; raise "connect_timeout_ms" if it starts slowly.',
    );
  }
  const net =
    (typeof e.code === 'string' && NETWORK.test(e.code) ? e.code : undefined) ?? NETWORK.exec(message)?.[1];
  if (net) {
    return u(
      `cannot reach Databricks at ${where} (${net === 'ECONNREFUSED' ? 'connection refused' : net === 'ENOTFOUND' ? 'host not found' : net})`,
      'Check "host" (the SQL warehouse\'s "Server hostname", e.g. dbc-1234.cloud.databricks.com) and "port".',
    );
  }
  if (/self[- ]signed|certificate|unable to verify|CERT_/i.test(message)) {
    return u(
      `the TLS certificate of Databricks at ${where} could not be verified: ${message}`,
      'If a proxy or private endpoint uses its own certificate authority, reference its PEM certificate in "ca_cert": { "file": "ca.pem" }.',
    );
  }
  const status = httpStatus(e);
  if (status === 401) {
    return u(
      `Databricks at ${where} rejected the token (HTTP 401)`,
      'Check the "token" secret: it may be expired or revoked, or belong to another workspace.',
    );
  }
  if (status === 403) {
    return u(
      `Databricks at ${where} refused the connection (HTTP 403): this client's IP may be blocked by the workspace IP access list, or the token's principal may not use the SQL warehouse`,
      'Ask a workspace admin to add this machine\'s public IP (and your CI runners\' egress IPs) to the IP access list, or to give the principal "Can use" on the warehouse.',
    );
  }
  if (status === 404) {
    return u(
      `no SQL warehouse at ${where}${settings.http_path} (HTTP 404)`,
      'Check "http_path" (Connection details of the SQL warehouse, e.g. /sql/1.0/warehouses/abc123).',
    );
  }
  if (/NO_SUCH_CATALOG|catalog .* (not found|does not exist)/i.test(message)) {
    return u(
      `Databricks catalog ${JSON.stringify(settings.catalog)} does not exist or is not visible to the token's principal`,
      `Check "catalog", or ask an admin to run: GRANT USE CATALOG ON CATALOG \`${settings.catalog}\` TO \`<principal>\`;`,
    );
  }
  if (/INSUFFICIENT_PERMISSIONS/.test(message) && /USE CATALOG/i.test(message)) {
    return u(
      `the token's principal may not use Databricks catalog ${JSON.stringify(settings.catalog)}: ${message}`,
      `Ask an admin to run: GRANT USE CATALOG ON CATALOG \`${settings.catalog}\` TO \`<principal>\`;`,
    );
  }
  if (status !== undefined) return u(`Databricks at ${where} answered HTTP ${status}: ${message}`);
  return u(`cannot connect to Databricks at ${where}: ${message}`);
}

export function queryError(err: unknown, settings: DatabricksSettings, doing: string): Error {
  if (err instanceof UserError) return err;
  const e = (err ?? {}) as DriverError;
  const message = (e.message ?? String(err)).trim();
  if (
    e.code === 'BACKFLOW_CONNECT_TIMEOUT' ||
    httpStatus(e) !== undefined ||
    (typeof e.code === 'string' && NETWORK.test(e.code)) ||
    NETWORK.test(message) ||
    /NO_SUCH_CATALOG|certificate|self[- ]signed/i.test(message)
  ) {
    return connectionError(err, settings);
  }
  const scrub = scrubber(settings.secrets);
  if (/STATEMENT_TIMEOUT|QUERY_EXECUTION_TIMEOUT|timed? ?out/i.test(message)) {
    return scrubbedError(
      scrub,
      `${doing} was cancelled by Databricks after ${formatMs(settings.statement_timeout_ms)}: ${message}`,
      'Raise "statement_timeout_ms" in the source settings if the query is expected to be slow.',
    );
  }
  if (/INSUFFICIENT_PERMISSIONS|PERMISSION_DENIED/i.test(message)) {
    return scrubbedError(
      scrub,
      `${doing} failed: ${message}`,
      'Run "backflow source setup-sql" for the grants Backflow needs.',
    );
  }
  return scrubbedError(scrub, `${doing} failed: ${message}`);
}

export function describeErrorText(err: unknown, settings: DatabricksSettings): string {
  const e = (err ?? {}) as DriverError;
  return scrubber(settings.secrets)((e.message ?? String(err)).trim());
}
