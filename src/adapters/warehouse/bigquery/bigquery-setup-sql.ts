/**
 * The least-privilege setup for a BigQuery source (`backflow source setup-sql NAME`): project-level IAM
 * roles as gcloud commands (BigQuery DCL cannot grant them), dataset-level roles and the managed dataset
 * as GoogleSQL DDL/DCL, with the project, location and datasets filled in.
 */
import { UserError } from '../../../errors';
import type { ReadSchema, WarehouseSettings } from '../warehouse';
import { qualified, quoteLiteral } from './bigquery-sql';

export interface BigQueryNames {
  project: string;
  location: string;
  /** The service account's email when known (from the key), else the conventional one. */
  serviceAccount: string;
}

export function readBigQueryNames(settings: WarehouseSettings): BigQueryNames {
  const project = typeof settings.project_id === 'string' ? settings.project_id : undefined;
  if (!project)
    throw new UserError('bigquery settings: "project_id" is required and must be a non-empty string');
  // Printed into gcloud command lines and SQL: only what Google allows in a project ID (optionally
  // domain-scoped, `example.com:project`), so nothing in it means anything to a shell or to SQL.
  if (!/^(?:[a-z0-9][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project))
    throw new UserError(
      `bigquery settings: "project_id" ${JSON.stringify(project)} is not a Google Cloud project ID`,
      'A project ID is 6 to 30 lower-case letters, digits and hyphens, starting with a letter (Console: project picker, ID column).',
    );
  const location = typeof settings.location === 'string' && settings.location ? settings.location : 'US';
  return { project, location, serviceAccount: `backflow@${project}.iam.gserviceaccount.com` };
}

/** The member string of a service account in IAM bindings and GRANT statements. */
export function member(email: string): string {
  return `serviceAccount:${email}`;
}

/** GRANT of a dataset-level role, as checkGrants and setup SQL print it. */
export function datasetGrant(project: string, dataset: string, role: string, email: string): string {
  return `GRANT \`${role}\` ON SCHEMA ${qualified(project, dataset)} TO "${member(email)}";`;
}

/** `[project, dataset]` pairs the models read (datasets are case-sensitive: names are kept as written). */
function readDatasets(project: string, reads: readonly ReadSchema[]): [string, string][] {
  const out = new Map<string, [string, string]>();
  for (const r of reads) {
    if (r.schema === undefined) continue; // BigQuery has no default dataset: a relation names its own
    const pair: [string, string] = [r.database?.text ?? project, r.schema.text];
    out.set(JSON.stringify(pair), pair);
  }
  return [...out.values()];
}

export function bigQuerySetupSql(
  names: BigQueryNames,
  managedDataset: string,
  reads: readonly ReadSchema[] = [],
): string {
  const { project, location, serviceAccount: sa } = names;
  const datasets = readDatasets(project, reads);
  const gcloud = (role: string) =>
    `--   gcloud projects add-iam-policy-binding ${project} --member=${member(sa)} --role=${role}`;
  return [
    `-- Backflow least-privilege setup for BigQuery project ${project} (location ${location}).`,
    '-- Run the gcloud commands in a shell as a project IAM admin, and the SQL in BigQuery as a dataset owner.',
    '',
    '-- 1. A service account for Backflow, and its key (the "credentials" secret of the source):',
    `--   gcloud iam service-accounts create backflow --project=${project} --display-name="Backflow"`,
    `--   gcloud iam service-accounts keys create backflow-key.json --iam-account=${sa}`,
    '',
    '-- 2. Run query jobs (and free dry runs), and read table metadata (INFORMATION_SCHEMA), in the project:',
    gcloud('roles/bigquery.jobUser'),
    gcloud('roles/bigquery.metadataViewer'),
    '',
    ...(datasets.length > 0
      ? [
          '-- 3. Read the datasets your models read (their SQL and dbt relations):',
          ...datasets.map(([p, d]) => datasetGrant(p, d, 'roles/bigquery.dataViewer', sa)),
        ]
      : [
          '-- 3. Read the datasets your models read (one line per dataset; "analytics" is an example):',
          datasetGrant(project, 'analytics', 'roles/bigquery.dataViewer', sa),
        ]),
    '',
    '-- 4. The dataset Backflow owns for change tracking (one snapshot table per model):',
    `CREATE SCHEMA IF NOT EXISTS ${qualified(project, managedDataset)} OPTIONS (location = ${quoteLiteral(location)});`,
    datasetGrant(project, managedDataset, 'roles/bigquery.dataEditor', sa),
    '',
  ].join('\n');
}
