/**
 * `backflow dbt-cloud jobs NAME [--json]`: the jobs of a dbt_cloud link's account with their project,
 * environment and last run — what to write in a sync's `{ "strategy": "dbt_cloud", "job_id": … }`.
 */
import { isoSeconds, runStatusName } from '../../adapters/dbtcloud';
import type { DesiredResource } from '../../config/desired';
import { UserError } from '../../errors';
import { DbtCloudClients, withAddress } from '../../engine/dbt-cloud-clients';
import { renderTable } from '../../render/table';
import { loadDesired, type GlobalOptions } from '../workspace';

function findLink(resources: Map<string, DesiredResource>, name: string): DesiredResource {
  const r = resources.get(name.startsWith('dbt_cloud.') ? name : `dbt_cloud.${name}`);
  if (!r) {
    const names = [...resources.values()].filter((x) => x.type === 'dbt_cloud').map((x) => x.name);
    throw new UserError(
      `No dbt_cloud link "${name}" in the configuration`,
      names.length ? `dbt Cloud links: ${names.join(', ')}` : 'Declare one under "dbt_cloud" first.',
    );
  }
  return r;
}

export async function dbtCloudJobsCommand(
  name: string,
  flags: GlobalOptions & { json?: boolean },
): Promise<number> {
  const desired = await loadDesired(flags);
  const link = findLink(desired.resources, name);
  try {
    const client = new DbtCloudClients(desired.configDir).get(link.address, link.attributes);
    const account = await client.account();
    const jobs = (await client.jobSummaries()).filter((j) => j.state === 'active');
    const runs = await client.lastRuns(jobs.map((j) => j.id));
    const rows = jobs.map((j) => {
      const run = runs.get(j.id);
      return {
        id: j.id,
        name: j.name,
        project_id: j.project_id,
        project: j.project,
        environment_id: j.environment_id,
        environment: j.environment,
        last_run: run
          ? {
              id: run.id,
              status: runStatusName(run.status),
              status_code: run.status,
              finished_at: run.finished_at ? isoSeconds(run.finished_at) : null,
            }
          : null,
      };
    });
    if (flags.json) {
      const out = {
        dbt_cloud: link.address,
        host: client.host,
        account: { id: account.id, name: account.name },
        jobs: rows,
      };
      process.stdout.write(JSON.stringify(out) + '\n');
      return 0;
    }
    process.stdout.write(
      `${link.address}: account ${account.id} ${JSON.stringify(account.name)} at ${client.host}\n\n`,
    );
    if (rows.length === 0) {
      process.stdout.write('No jobs in this account.\n');
      return 0;
    }
    const table = rows.map((r) => ({
      id: String(r.id),
      name: r.name,
      project: r.project,
      environment: r.environment,
      'last run': r.last_run ? `${r.last_run.status} (run ${r.last_run.id})` : 'never run',
      finished: r.last_run?.finished_at ?? '-',
    }));
    process.stdout.write(
      renderTable(['id', 'name', 'project', 'environment', 'last run', 'finished'], table) +
        `\n(${rows.length} job${rows.length === 1 ? '' : 's'})\n`,
    );
    return 0;
  } catch (err) {
    throw withAddress(link.address, err);
  }
}
