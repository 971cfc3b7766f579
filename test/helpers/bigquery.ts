/**
 * A ready BigQuery test server: project backflow-test (US), datasets marts and Odd_Dataset_1, and a service
 * account "backflow" with the project roles Backflow needs (jobUser, user, metadataViewer).
 */
import './sdk-shims';
import { startBigQueryServer, type BigQueryTestServer } from '../servers/bigquery/bigquery-server';

export const PROJECT = 'backflow-test';
export const ODD_DATASET = 'Odd_Dataset_1';
export const BACKFLOW_ROLES = [
  'roles/bigquery.jobUser',
  'roles/bigquery.user',
  'roles/bigquery.metadataViewer',
];

export interface BigQueryWorld {
  server: BigQueryTestServer;
  account: { email: string; json: string };
  settings: Record<string, unknown>;
}

export async function startBigQueryWorld(): Promise<BigQueryWorld> {
  const server = await startBigQueryServer({ project: PROJECT });
  await server.createDataset('marts');
  await server.createDataset(ODD_DATASET);
  const account = server.addServiceAccount('backflow', { projectRoles: BACKFLOW_ROLES });
  return {
    server,
    account,
    settings: { project_id: PROJECT, location: 'US', credentials: account.json, api_endpoint: server.url },
  };
}

/** The same key file with another private key: signatures no longer verify. */
export function forgedKey(json: string, privateKey: string): string {
  return JSON.stringify({ ...JSON.parse(json), private_key: privateKey });
}
