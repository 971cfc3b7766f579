/**
 * A ready Snowflake test server: database ANALYTICS (schemas PUBLIC, MARTS and an odd one), warehouse
 * BACKFLOW_WH, role BACKFLOW_ROLE with the grants Backflow needs, and a key-pair user BACKFLOW.
 */
import { generateKeyPairSync } from 'node:crypto';
import { startSnowflakeServer, type SnowflakeTestServer } from '../servers/snowflake/snowflake-server';

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

export function rsaKeyPair(passphrase?: string): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: passphrase
      ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }
      : { type: 'pkcs8', format: 'pem' },
  });
  return { privateKey, publicKey };
}

export const ODD_SCHEMA = 'Odd Schema "é"';

export interface SnowflakeWorld {
  server: SnowflakeTestServer;
  key: KeyPair;
  /** Settings of the fully granted key-pair user (secrets revealed, as the adapter takes them). */
  settings: Record<string, unknown>;
}

export async function startSnowflakeWorld(): Promise<SnowflakeWorld> {
  const server = await startSnowflakeServer({ account: 'myorg-backflow' });
  await server.createDatabase('ANALYTICS', ['PUBLIC', 'MARTS', ODD_SCHEMA]);
  server.addWarehouse('BACKFLOW_WH');
  server.addRole('BACKFLOW_ROLE');
  server.grant('BACKFLOW_ROLE', 'USAGE', 'WAREHOUSE', 'BACKFLOW_WH');
  server.grant('BACKFLOW_ROLE', 'USAGE', 'DATABASE', 'ANALYTICS');
  server.grant('BACKFLOW_ROLE', 'CREATE SCHEMA', 'DATABASE', 'ANALYTICS');
  const key = rsaKeyPair();
  server.addUser({ name: 'backflow', publicKey: key.publicKey, roles: ['BACKFLOW_ROLE'] });
  return {
    server,
    key,
    settings: {
      account: 'myorg-backflow',
      user: 'backflow',
      role: 'backflow_role',
      warehouse: 'backflow_wh',
      database: 'analytics',
      private_key: key.privateKey,
      access_url: server.url,
    },
  };
}
