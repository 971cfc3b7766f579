/**
 * ProjectFiles over a Git object database at one commit: paths and blob ids come from the commit's
 * trees, contents from its blobs. Nothing is checked out; the working tree (if any) is never read.
 */
import { ObjectStore } from './git-object-store';
import type { ProjectFiles } from './git-types';

const FILE_MODES = new Set(['100644', '100755']);

export class TreeFiles implements ProjectFiles {
  private index?: Promise<Map<string, string>>;
  private readonly store: ObjectStore;

  constructor(
    gitdir: string,
    private readonly commit: string,
  ) {
    this.store = new ObjectStore(gitdir);
  }

  async list(): Promise<string[]> {
    return [...(await this.paths()).keys()];
  }

  async id(path: string): Promise<string> {
    const oid = (await this.paths()).get(normalise(path));
    if (oid === undefined) throw this.missing(path);
    return oid;
  }

  async read(path: string): Promise<string> {
    const obj = await this.store.read(await this.id(path));
    return obj.data.toString('utf8');
  }

  private paths(): Promise<Map<string, string>> {
    this.index ??= this.walk();
    return this.index;
  }

  private async walk(): Promise<Map<string, string>> {
    const found: [string, string][] = [];
    const visit = async (oid: string, prefix: string): Promise<void> => {
      const subtrees: Promise<void>[] = [];
      for (const entry of await this.store.readTree(oid)) {
        const path = prefix + entry.name;
        if (entry.mode === '40000') subtrees.push(visit(entry.oid, path + '/'));
        else if (FILE_MODES.has(entry.mode)) found.push([path, entry.oid]);
        // Symbolic links (120000) and submodules (160000) are not files of this tree.
      }
      await Promise.all(subtrees);
    };
    await visit(this.commit, '');
    found.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new Map(found);
  }

  private missing(path: string): Error {
    return Object.assign(new Error(`${path}: no such file at commit ${this.commit.slice(0, 12)}`), {
      code: 'ENOENT',
    });
  }
}

function normalise(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '');
}
