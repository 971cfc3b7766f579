/**
 * Errors of the dbt loader. Every problem in the user's dbt project is a `DbtLoadError` naming the file (a
 * repository-relative path) and, where there is one, the line, with a hint saying what to do.
 */
import { UserError } from '../../errors';

export interface DbtErrorPlace {
  file?: string;
  line?: number;
  hint?: string;
}

export class DbtLoadError extends UserError {
  /** Repository-relative POSIX path of the file at fault, when there is one. */
  readonly file?: string;
  /** 1-based line in `file`, when known. */
  readonly line?: number;
  /** The message without the file and line prefix. */
  readonly reason: string;
  constructor(reason: string, place: DbtErrorPlace = {}) {
    super(prefix(place) + reason, place.hint);
    this.name = 'DbtLoadError';
    this.reason = reason;
    this.file = place.file;
    this.line = place.line;
  }
}

function prefix({ file, line }: DbtErrorPlace): string {
  if (file === undefined) return '';
  return line === undefined ? `${file}: ` : `${file} line ${line}: `;
}

/**
 * A value Backflow cannot know without running dbt (a Jinja expression, a macro call, a missing variable).
 * Thrown while evaluating; the loader turns it into a `DbtLoadError` when no manifest can answer instead.
 */
export class NotStaticError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly hint: string;
  constructor(message: string, place: { file?: string; line?: number; hint?: string } = {}) {
    super(message);
    this.name = 'NotStaticError';
    this.file = place.file;
    this.line = place.line;
    this.hint = place.hint ?? NOT_STATIC_HINT;
  }
}

export const NOT_STATIC_HINT =
  'Make the value a literal (or a var() / env_var() with a default), or provide a manifest: set the git ' +
  "sync's manifest_path to a manifest.json committed in the repository, or link a dbt Cloud job.";

export function toLoadError(err: NotStaticError): DbtLoadError {
  return new DbtLoadError(err.message, { file: err.file, line: err.line, hint: err.hint });
}
