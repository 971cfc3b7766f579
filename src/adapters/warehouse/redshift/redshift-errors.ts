/**
 * Redshift failures: the Postgres mapping (same protocol, same client, same SQLSTATEs), worded for
 * Redshift, with the network advice Redshift needs — a cluster that is not publicly accessible or whose
 * security group does not admit this machine looks like a timeout or a refused connection.
 */
import { UserError } from '../../../errors';
import {
  connectionError as pgConnectionError,
  queryError as pgQueryError,
} from '../postgres/postgres-errors';
import type { RedshiftSettings } from './redshift-settings';

const NETWORK_HINT =
  'Check "host" (the cluster endpoint without ":5439/dev") and "port"; the cluster must be publicly accessible ' +
  '(or reachable through your VPC), and its VPC security group must allow inbound TCP on that port from this ' +
  "machine's IP (and your CI runners' egress IPs).";

function reword(err: Error): Error {
  if (!(err instanceof UserError)) return err;
  const message = err.message.replace(/\bPostgres\b/g, 'Redshift');
  let hint = err.hint?.replace(/\bPostgres\b/g, 'Redshift');
  if (/cannot reach Redshift/.test(message)) hint = NETWORK_HINT;
  if (/pg_hba\.conf/.test(hint ?? '')) hint = 'Set sslmode to "require" if the cluster sets require_ssl.';
  return new UserError(message, hint);
}

export function connectionError(err: unknown, settings: RedshiftSettings): Error {
  return reword(pgConnectionError(err, settings));
}

export function queryError(err: unknown, settings: RedshiftSettings, doing: string): Error {
  return reword(pgQueryError(err, settings, doing));
}
