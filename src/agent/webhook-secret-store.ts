/**
 * The webhook secret store apply writes to: the agent database's `dbt_webhook_secret` table (see
 * agent-db.ts). Apply opens it only when it creates or deletes a subscription; the agent reads the same
 * table to verify deliveries, so every agent on the database knows a new secret at once.
 */
import type { WebhookSecretStore } from '../engine/webhook-secrets';
import { AgentDb } from './agent-db';

export function agentDbSecretStore(databaseUrl: string, schema?: string): WebhookSecretStore {
  const db = new AgentDb(databaseUrl, schema, 2);
  let ready: Promise<void> | undefined;
  const migrated = () => (ready ??= db.migrate());
  return {
    save: async (accountId, id, secret) => {
      await migrated();
      await db.saveWebhookSecret(accountId, id, secret);
    },
    forget: async (id) => {
      await migrated();
      await db.forgetWebhookSecret(id);
    },
    close: () => db.close(),
  };
}
