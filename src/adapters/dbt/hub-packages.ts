/**
 * dbt hub package names → their Git repositories. The hub (hub.getdbt.com) maps `org/name` to a GitHub
 * repository and its tags; Backflow does not call the hub (plan must not reach new hosts, tests run
 * offline), so the common packages are listed here, and Fivetran's follow their naming rule. A project
 * whose package is not listed commits package-lock.yml with a `git:` entry, names it with `git:` in
 * packages.yml, or commits dbt_packages/. Versions resolve against the repository's tags (`1.1.1`,
 * `v1.1.1`), as the hub's index is built from them.
 */
export const HUB_REPOSITORIES: Readonly<Record<string, string>> = {
  'dbt-labs/dbt_utils': 'https://github.com/dbt-labs/dbt-utils.git',
  'dbt-labs/codegen': 'https://github.com/dbt-labs/dbt-codegen.git',
  'dbt-labs/audit_helper': 'https://github.com/dbt-labs/dbt-audit-helper.git',
  'dbt-labs/dbt_external_tables': 'https://github.com/dbt-labs/dbt-external-tables.git',
  'dbt-labs/dbt_project_evaluator': 'https://github.com/dbt-labs/dbt-project-evaluator.git',
  'dbt-labs/spark_utils': 'https://github.com/dbt-labs/spark-utils.git',
  'dbt-labs/redshift': 'https://github.com/dbt-labs/redshift.git',
  'calogica/dbt_expectations': 'https://github.com/calogica/dbt-expectations.git',
  'calogica/dbt_date': 'https://github.com/calogica/dbt-date.git',
  'metaplane/dbt_expectations': 'https://github.com/metaplane/dbt-expectations.git',
  'godatadriven/dbt_date': 'https://github.com/godatadriven/dbt-date.git',
  'Snowflake-Labs/dbt_constraints': 'https://github.com/Snowflake-Labs/dbt_constraints.git',
  'elementary-data/elementary': 'https://github.com/elementary-data/dbt-data-reliability.git',
  'brooklyn-data/dbt_artifacts': 'https://github.com/brooklyn-data/dbt_artifacts.git',
  'Datavault-UK/automate_dv': 'https://github.com/Datavault-UK/automate-dv.git',
  'data-mie/dbt_profiler': 'https://github.com/data-mie/dbt-profiler.git',
};

/** The Git repository of hub package `org/name`, or undefined when Backflow does not know it. */
export function hubRepository(
  name: string,
  overrides: Readonly<Record<string, string>> = {},
): string | undefined {
  const find = (table: Readonly<Record<string, string>>) =>
    Object.entries(table).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  const known = find(overrides) ?? find(HUB_REPOSITORIES);
  if (known) return known;
  // Fivetran publishes every package as fivetran/<name> from github.com/fivetran/dbt_<name>.
  const m = /^fivetran\/([A-Za-z0-9_]+)$/i.exec(name);
  return m ? `https://github.com/fivetran/dbt_${m[1]}.git` : undefined;
}
