/** Types for git-repo.js (plain CommonJS so tests and benchmarks share it). */
export type FileChanges = Record<string, string | null>;

export interface ServedRepo {
  /** The bare repository a server serves. */
  bare: string;
  /** The working clone commits are made in. */
  work: string;
  branch: string;
  /** SHA of the first commit. */
  first: string;
  commit(changes: FileChanges, message?: string): Promise<string>;
  git(args: string[]): Promise<string>;
  remove(): void;
}

export function git(cwd: string, args: string[], extraEnv?: Record<string, string>): Promise<string>;
export function gitEnv(extra?: Record<string, string>): Record<string, string>;
export function writeFiles(dir: string, files: FileChanges): void;
export function createWorkRepo(
  dir: string,
  options?: { branch?: string; files?: FileChanges; message?: string },
): Promise<string>;
export function commitAll(dir: string, message: string): Promise<string>;
export function createServedRepo(options: {
  root: string;
  name: string;
  files?: FileChanges;
  branch?: string;
  branches?: string[];
}): Promise<ServedRepo>;
