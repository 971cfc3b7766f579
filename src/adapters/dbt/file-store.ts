/**
 * Reads and summarises the project's files, reusing the summary of every file whose content id is the one
 * recorded in the previous load's cache: such a file is neither read nor parsed again. Summaries are pure
 * functions of a file's text (vars, env and the target are applied later), so a reused summary is exactly
 * what a fresh parse would give, and an incremental load equals a full one.
 */
import type { ProjectFiles } from './project-files';

export type FileKind = 'project' | 'ignore' | 'sql' | 'python' | 'properties' | 'macros';

interface CacheEntry {
  id: string;
  kind: FileKind;
  summary: unknown;
}

/** Bump when a summariser changes what it returns: older caches are then ignored. */
const CACHE_FORMAT = 'backflow-dbt-loader/4';

interface CacheShape {
  format: string;
  files: Record<string, CacheEntry>;
}

export interface SummaryTask<T> {
  path: string;
  kind: FileKind;
  summarise: (text: string) => T;
}

const CONCURRENCY = 64;

export class FileStore {
  private readonly previous: Record<string, CacheEntry>;
  private readonly next: Record<string, CacheEntry> = {};
  filesRead = 0;
  filesReused = 0;

  constructor(
    private readonly files: ProjectFiles,
    previous: unknown,
  ) {
    const p = previous as CacheShape | undefined;
    this.previous = p && p.format === CACHE_FORMAT && p.files && typeof p.files === 'object' ? p.files : {};
  }

  /**
   * Summaries of the given files, keyed by path. Runs with bounded concurrency; when files fail, the
   * error of the first one (in the order given) is thrown, so the same project always reports the same error.
   */
  async summarise<T>(tasks: SummaryTask<T>[]): Promise<Map<string, T>> {
    const results = new Array<{ ok: true; value: T } | { ok: false; error: unknown }>(tasks.length);
    let nextIndex = 0;
    const worker = async () => {
      for (;;) {
        const i = nextIndex++;
        if (i >= tasks.length) return;
        try {
          results[i] = { ok: true, value: await this.one(tasks[i]) };
        } catch (error) {
          results[i] = { ok: false, error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, tasks.length) }, worker));
    const out = new Map<string, T>();
    for (let i = 0; i < tasks.length; i++) {
      const r = results[i];
      if (!r.ok) throw r.error;
      out.set(tasks[i].path, r.value);
    }
    return out;
  }

  private async one<T>(task: SummaryTask<T>): Promise<T> {
    const id = await this.files.id(task.path);
    const cached = this.previous[task.path];
    if (cached && cached.id === id && cached.kind === task.kind) {
      this.filesReused++;
      this.next[task.path] = cached;
      return cached.summary as T;
    }
    const text = await this.files.read(task.path);
    this.filesRead++;
    const summary = task.summarise(text);
    this.next[task.path] = { id, kind: task.kind, summary };
    return summary;
  }

  /** The content id of a file summarised in this load. */
  idOf(path: string): string | undefined {
    return this.next[path]?.id;
  }

  /** The cache for the next load: the entries of this load's files only. */
  cache(): CacheShape {
    const files: Record<string, CacheEntry> = {};
    for (const path of Object.keys(this.next).sort()) files[path] = this.next[path];
    return { format: CACHE_FORMAT, files };
  }
}
