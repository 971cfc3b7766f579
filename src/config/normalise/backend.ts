/**
 * The backend block → BackendConfig: the local state path made absolute (default `.backflow/state.json` in
 * the config folder), the Postgres connection string read from its secret.
 */
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { error, jsonPath, type Diagnostic } from '../../diagnostics';
import { UserError } from '../../errors';
import { locate } from '../config-file';
import type { BackendDeclaration } from '../declarations';
import type { BackendConfig } from '../desired';
import type { Backend } from '../generated/config';
import { readSecret, type SecretRef } from '../secrets';

export const DEFAULT_STATE_PATH = '.backflow/state.json';

export function normaliseBackend(
  decl: BackendDeclaration | undefined,
  opts: { configDir: string; env: NodeJS.ProcessEnv; readSecrets: boolean },
): { backend: BackendConfig; diagnostics: Diagnostic[] } {
  const written = decl?.value as Backend | undefined;
  if (written === undefined || written.type === 'local') {
    const path = expandHome(written?.path ?? DEFAULT_STATE_PATH);
    return {
      backend: { type: 'local', path: isAbsolute(path) ? path : resolve(opts.configDir, path) },
      diagnostics: [],
    };
  }
  const base = {
    type: 'pg' as const,
    schema: written.schema ?? 'backflow',
    workspace: written.workspace ?? 'default',
  };
  if (!opts.readSecrets) {
    // Commands that never touch a warehouse (state, show, force-unlock) still need the state's own
    // connection: read it when it can be, and keep why not for the backend to report when it connects.
    try {
      const value = readSecret(
        written.connection_string as SecretRef,
        opts.configDir,
        'backend connection_string',
        opts.env,
      );
      return { backend: { ...base, connection_string: value }, diagnostics: [] };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const why = { message: err.message, hint: err.hint };
      return { backend: { ...base, connection_string: '', connection_string_error: why }, diagnostics: [] };
    }
  }
  try {
    const value = readSecret(
      written.connection_string as SecretRef,
      opts.configDir,
      'backend connection_string',
      opts.env,
    );
    return { backend: { ...base, connection_string: value }, diagnostics: [] };
  } catch (err) {
    if (!(err instanceof UserError) || decl === undefined) throw err;
    const segments = ['backend', 'connection_string'];
    const where = { file: decl.file.displayPath, path: jsonPath(segments), ...locate(decl.file, segments) };
    return {
      backend: { ...base, connection_string: '' },
      diagnostics: [error(err.message, { detail: err.hint, ...where })],
    };
  }
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}
