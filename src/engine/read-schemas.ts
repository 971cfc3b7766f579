/**
 * The schemas a source's models read, for `backflow source setup-sql`: the qualifiers of the relations
 * their SQL names (sql-relations.ts) and the resolved relations of their dbt models, from the dbt project
 * when it can be read without network (a local repository, or the catalog the last sync stored). What
 * cannot be known offline is said in `notes`, printed as comments above the SQL.
 */
import type { DesiredResource, DesiredState } from '../config/desired';
import { hasControlCharacter } from '../adapters/warehouse/setup-names';
import type { NamePart, ReadSchema } from '../adapters/warehouse/warehouse';
import type { Connections } from './connections';
import { dbtModelRef, resolveDbtModel } from './dbt-models';
import { relationsRead } from './sql-relations';

export interface SchemasRead {
  reads: ReadSchema[];
  notes: string[];
}

export async function schemasModelsRead(
  desired: DesiredState,
  source: DesiredResource,
  connections: Connections,
): Promise<SchemasRead> {
  const reads = new Map<string, ReadSchema>();
  const notes: string[] = [];
  const add = (r: ReadSchema): void => {
    // A name that could not be printed safely into a SQL console is left out (setup-names.ts says why).
    if (hasControlCharacter(r.database?.text ?? '') || hasControlCharacter(r.schema?.text ?? '')) return;
    reads.set(JSON.stringify(r), r);
  };
  const warehouse = source.attributes.warehouse;
  const models = [...desired.resources.values()]
    .filter((r) => r.type === 'model' && r.attributes.source === source.name)
    .sort((a, b) => (a.address < b.address ? -1 : 1));
  for (const m of models) {
    if (typeof m.attributes.query === 'string') {
      for (const name of relationsRead(m.attributes.query)) {
        if (name.length === 1) add({});
        else if (name.length === 2) add({ schema: name[0] });
        else add({ database: name[0], schema: name[1] });
      }
      continue;
    }
    const ref = dbtModelRef(m.attributes);
    if (!ref) continue;
    const gitAddress = `git_sync.${ref.git_sync}`;
    const git = desired.resources.get(gitAddress);
    if (!git) continue;
    const catalog = await connections.dbt.offline(gitAddress, git.attributes, warehouse);
    if (!catalog) {
      notes.push(
        `${m.address}: the dbt project of ${gitAddress} is not available offline; run \`backflow models sync ${ref.git_sync}\` (or plan) first to include the schema of dbt model ${ref.name}.`,
      );
      continue;
    }
    const res = resolveDbtModel(ref, m.attributes.primary_key, catalog);
    if (!res.ok) {
      notes.push(`${m.address}: ${res.summary}`);
      continue;
    }
    // dbt quotes names on Postgres, Redshift, BigQuery and Databricks by default, not on Snowflake.
    const quoted = warehouse !== 'snowflake';
    const part = (text: string): NamePart => ({ text, quoted });
    // Postgres and Redshift read one database per connection: only the schema matters there.
    const crossDatabase = warehouse !== 'postgres' && warehouse !== 'redshift';
    add({
      ...(res.relation.database && crossDatabase ? { database: part(res.relation.database) } : {}),
      schema: part(res.relation.schema),
    });
  }
  return { reads: [...reads.values()], notes: notes.filter((n) => !hasControlCharacter(n)) };
}
