/**
 * Where apply keeps the HMAC secret dbt Cloud returns when it creates a webhook subscription: never in the
 * plan or the state. The CLI gives apply the agent database's store (src/agent/webhook-secret-store.ts);
 * the engine sees only this interface, so it needs no database driver.
 */
import { UserError } from '../errors';

export interface WebhookSecretStore {
  /** Keeps `secret` for `subscriptionId` (replacing any earlier one). */
  save(accountId: number, subscriptionId: string, secret: string): Promise<void>;
  /** Forgets the secret of a deleted subscription. */
  forget(subscriptionId: string): Promise<void>;
  close(): Promise<void>;
}

export function noSecretStore(address: string): UserError {
  return new UserError(
    `${address}: apply has nowhere to keep the dbt Cloud webhook's HMAC secret`,
    'The secret is kept in the agent database (never in state): set BACKFLOW_AGENT_DATABASE_URL to the ' +
      'Postgres the agent uses, or use the "pg" state backend (its database is the agent\'s by default). ' +
      'Or set trigger_mode "poll" on the link to have the agent poll instead of receiving webhooks.',
  );
}
