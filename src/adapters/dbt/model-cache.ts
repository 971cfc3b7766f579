/**
 * Resolved models kept between loads. A model is resolved again only when something it depends on
 * changed: its file, the properties file that describes it, its package's dbt_project.yml, and — for every
 * model at once — the root dbt_project.yml, the macro files, the load options, or the value of an env var
 * the project read last time. With a manifest nothing is kept (its content would have to be compared).
 */
import type { CatalogWarning, DbtModel } from './catalog';

export interface ModelEntry {
  key: string;
  model: DbtModel;
  /** sha256 of the model's canonical record (what the catalog digest is made of). */
  hash: string;
  /** Absent when there are none (most models): the cache is kept small, it is read and written every run. */
  warnings?: CatalogWarning[];
}

interface Shape {
  global: string;
  /** Env vars the project read, with the value they had (null: unset). */
  env: Record<string, string | null>;
  entries: Record<string, ModelEntry>;
}

export class ModelCache {
  private readonly previous: Record<string, ModelEntry>;
  private readonly next: Record<string, ModelEntry> = {};
  private readonly envRead = new Map<string, string | null>();
  /** The env as the project sees it: reads are noted, so the next load knows what to compare. */
  readonly env: Record<string, string | undefined>;

  constructor(
    previous: unknown,
    private readonly global: string | undefined,
    env: Record<string, string | undefined>,
  ) {
    const p = previous as Shape | undefined;
    const valid =
      global !== undefined &&
      p !== undefined &&
      p !== null &&
      p.global === global &&
      typeof p.entries === 'object' &&
      Object.entries(p.env ?? {}).every(([k, v]) => (env[k] ?? null) === v);
    this.previous = valid ? p.entries : {};
    if (valid) for (const [k, v] of Object.entries(p.env)) this.envRead.set(k, v);
    const envRead = this.envRead;
    this.env = new Proxy(env, {
      get(target, name) {
        if (typeof name !== 'string') return undefined;
        const v = target[name];
        envRead.set(name, v ?? null);
        return v;
      },
    });
  }

  get(id: string, key: string): ModelEntry | undefined {
    if (this.global === undefined) return undefined;
    const e = this.previous[id];
    if (!e || e.key !== key) return undefined;
    this.next[id] = e;
    return e;
  }

  set(id: string, entry: ModelEntry): void {
    if (this.global !== undefined) this.next[id] = entry;
  }

  shape(): Shape | undefined {
    if (this.global === undefined) return undefined;
    return { global: this.global, env: Object.fromEntries(this.envRead), entries: this.next };
  }
}
