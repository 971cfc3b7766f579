/**
 * One dbt Cloud API client per `dbt_cloud` link per run, built on first use from the link's attributes
 * (config, or state), with the API key read again from its secret reference. Like `Connections` for
 * warehouses; a client holds no connection, so there is nothing to close.
 */
import {
  DbtCloudClient,
  DbtCloudError,
  type DbtCloudApi,
  type DbtCloudClientOptions,
} from '../adapters/dbtcloud';
import { isSensitive, readSecret } from '../config/secrets';
import { UserError } from '../errors';

export class DbtCloudClients {
  private readonly open = new Map<string, DbtCloudApi>();

  /** `options` are the client's (timings, fetch, cache folder): tests make retries instant with them. */
  constructor(
    private readonly configDir: string,
    private readonly options: DbtCloudClientOptions = {},
  ) {}

  /** The client of `address` (a dbt_cloud link). A malformed host throws a UserError naming the field. */
  get(address: string, attributes: Record<string, unknown>): DbtCloudApi {
    let client = this.open.get(address);
    if (client === undefined) {
      const key = attributes.api_key;
      const apiKey = isSensitive(key)
        ? readSecret(key.$sensitive.ref, this.configDir, `${address}.api_key`)
        : '';
      try {
        client = new DbtCloudClient(
          {
            account_id: Number(attributes.account_id),
            access_url: attributes.access_url as string | undefined,
            subdomain: attributes.subdomain as string | undefined,
            api_key: apiKey,
          },
          this.options,
        );
      } catch (err) {
        throw withAddress(address, err);
      }
      this.open.set(address, client);
    }
    return client;
  }

  /** Requests sent by every client so far. */
  requests(): number {
    return [...this.open.values()].reduce((n, c) => n + c.requests, 0);
  }
}

/** A DbtCloudError's message prefixed with the link's address (`dbt_cloud.main: the API key was …`). */
export function withAddress(address: string, err: unknown): unknown {
  if (!(err instanceof UserError)) return err;
  if (err instanceof DbtCloudError) {
    return new DbtCloudError(err.kind, `${address}: ${err.message}`, err.hint, {
      status: err.status,
      field: err.field,
    });
  }
  return new UserError(`${address}: ${err.message}`, err.hint);
}
