/**
 * `cdktf.json`: the project file of a cdktf app. Backflow reads `app` (the command that synthesizes),
 * `output` (where it synthesizes to, default `cdktf.out`) and `context` (passed to the app as cdktf's CLI
 * does); every other field is cdktf-cli's and is ignored.
 */
import { join, resolve } from 'node:path';
import { error, type Diagnostic } from '../../diagnostics';
import { DiagnosticsError } from '../../errors';
import { MAX_CONFIG_FILE_BYTES } from '../../input/input-limits';
import { readBoundedText } from '../../input/read-bounded-file';
import { locate } from '../config-file';
import { displayPath } from '../load';
import { parseConfigFile } from '../parse-json';

export const CDKTF_JSON = 'cdktf.json';
export const DEFAULT_OUTPUT = 'cdktf.out';

export interface CdktfProject {
  /** Project folder (holds cdktf.json); the app runs here. */
  dir: string;
  /** cdktf.json as shown to users. */
  displayPath: string;
  /** Shell command that synthesizes the app. */
  app: string;
  /** Absolute synth output folder. */
  outdir: string;
  /** cdktf context for the app, from cdktf.json. */
  context?: Record<string, unknown>;
}

export async function readCdktfProject(dir: string, cwd: string): Promise<CdktfProject> {
  const path = join(dir, CDKTF_JSON);
  const shown = displayPath(path, cwd);
  const text = readBoundedText(path, {
    what: 'cdktf project file',
    shownAs: shown,
    maxBytes: MAX_CONFIG_FILE_BYTES,
    fix: 'A cdktf project needs a cdktf.json with an "app" command; or pass --synth-dir DIR to read an existing synth.',
  });
  const { file, diagnostics } = parseConfigFile(path, shown, text);
  if (file.value === undefined || diagnostics.length > 0) throw new DiagnosticsError(diagnostics);
  const at = (key?: string): Omit<Diagnostic, 'severity' | 'summary'> => ({
    file: shown,
    path: key === undefined ? '$' : `$.${key}`,
    ...locate(file, key === undefined ? [] : [key], true),
  });
  const value = file.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DiagnosticsError([error(`${CDKTF_JSON} must hold a JSON object`, at())]);
  }
  const v = value as Record<string, unknown>;
  const problems: Diagnostic[] = [];
  if (v.app === undefined) {
    problems.push(
      error(`${CDKTF_JSON}: missing field "app"`, {
        ...at(),
        detail:
          '"app" is the command that synthesizes the cdktf app, e.g. "npx ts-node main.ts" or "node dist/main.js".\nBackflow runs it in this folder with CDKTF_OUTDIR set, as cdktf synth does.',
      }),
    );
  } else if (typeof v.app !== 'string' || v.app.trim() === '') {
    problems.push(error(`${CDKTF_JSON}: "app" must be a non-empty string (a shell command)`, at('app')));
  }
  if (v.output !== undefined && (typeof v.output !== 'string' || v.output === '')) {
    problems.push(error(`${CDKTF_JSON}: "output" must be a folder name`, at('output')));
  }
  const context = v.context;
  if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) {
    problems.push(error(`${CDKTF_JSON}: "context" must be an object`, at('context')));
  }
  if (problems.length > 0) throw new DiagnosticsError(problems);
  return {
    dir,
    displayPath: shown,
    app: v.app as string,
    outdir: resolve(dir, (v.output as string | undefined) ?? DEFAULT_OUTPUT),
    context: context as Record<string, unknown> | undefined,
  };
}
