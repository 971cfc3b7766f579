/**
 * The JSON front end: read → parse → schema → normalise → rules. Every problem found is collected; if any
 * is an error, one DiagnosticsError carries them all.
 */
import { createHash } from 'node:crypto';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { hasErrors, jsonPath, type Diagnostic } from '../diagnostics';
import { DiagnosticsError } from '../errors';
import { CONFIG_KEYS, RESOURCE_TYPES } from '../graph/address';
import { locate, type ConfigFile, type Segment } from './config-file';
import { collectDeclarations, type Declaration } from './declarations';
import type { DesiredResource, DesiredState } from './desired';
import { MAX_CONFIG_FILE_BYTES } from '../input/input-limits';
import { readBoundedText } from '../input/read-bounded-file';
import { findConfigFiles } from './find-files';
import { normaliseBackend } from './normalise/backend';
import { normaliseResource } from './normalise/resource';
import { parseConfigFile } from './parse-json';
import { runConfigRules } from './rules';
import type { RuleContext } from './rules/context';
import { validateConfigValue } from './schema';
import { schemaProblems } from './schema-errors';

export interface LoadConfigOptions {
  /** Folder holding backflow.json or *.backflow.json (relative to `cwd`). */
  dir: string;
  /** Working directory: file names in messages are shown relative to it. Default: process.cwd(). */
  cwd?: string;
  /** Where `{ "env": ... }` secrets are read. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Read secret values (default true). False validates without credentials: `secrets` maps stay empty. */
  readSecrets?: boolean;
}

export async function loadConfig(opts: LoadConfigOptions): Promise<DesiredState> {
  const cwd = opts.cwd ?? process.cwd();
  const configDir = resolve(cwd, opts.dir);
  const paths = await findConfigFiles(configDir);
  const texts = paths.map((p) => readConfigText(p, displayPath(p, cwd)));
  const parsed = paths.map((path, i) => parseConfigFile(path, displayPath(path, cwd), texts[i]));
  return buildDesired(
    parsed.map((p) => p.file),
    parsed.flatMap((p) => p.diagnostics),
    {
      configDir,
      env: opts.env ?? process.env,
      readSecrets: opts.readSecrets ?? true,
      configHash: hashFiles(paths, texts),
    },
  );
}

/** A config file's text: a regular file of bounded size (see src/input), or a UserError naming it. */
export function readConfigText(path: string, display: string): string {
  return readBoundedText(path, {
    what: 'Config file',
    shownAs: display,
    maxBytes: MAX_CONFIG_FILE_BYTES,
    fix: 'Config files are regular JSON files; split a very large configuration into several *.backflow.json files.',
  });
}

export interface BuildOptions {
  configDir: string;
  env: NodeJS.ProcessEnv;
  readSecrets: boolean;
  configHash: string;
}

/**
 * Parsed config files → DesiredState: schema, declarations, normalise, rules. Shared by both front ends: the
 * cdktf front end passes one file holding the config its synthesized stack maps to.
 */
export function buildDesired(
  files: readonly ConfigFile[],
  parseDiagnostics: readonly Diagnostic[],
  opts: BuildOptions,
): DesiredState {
  const { configDir, env, readSecrets, configHash } = opts;
  const diagnostics: Diagnostic[] = [...parseDiagnostics];
  const invalid = new Set<string>();
  let syntaxErrors = false;

  for (const file of files) {
    if (file.value === undefined) {
      syntaxErrors = true;
      continue;
    }
    for (const problem of schemaProblems(validateConfigValue(file.value), file)) {
      const owner = ownerOf(problem.segments);
      diagnostics.push(owner.includes('.') ? { ...problem.diagnostic, address: owner } : problem.diagnostic);
      invalid.add(owner);
    }
  }
  // Without every file's declarations, references would be reported missing when they are merely unread.
  if (syntaxErrors) throw new DiagnosticsError(diagnostics, summaryOf(diagnostics));

  const collected = collectDeclarations(files);
  diagnostics.push(...collected.diagnostics);

  const declared = new Map<string, Map<string, string>>();
  for (const { type, name, address } of collected.declarations) {
    let names = declared.get(type);
    if (names === undefined) declared.set(type, (names = new Map()));
    names.set(name, address);
  }
  const resources = new Map<string, DesiredResource>();
  const normalise = { configDir, env, readSecrets, declared };
  for (const decl of collected.declarations) {
    if (invalid.size > 0 && invalid.has(decl.address)) continue;
    resources.set(decl.address, normaliseResource(decl, normalise, diagnostics));
  }
  const backendDecl = invalid.has('backend') ? undefined : collected.backend;
  const { backend, diagnostics: backendProblems } = normaliseBackend(backendDecl, {
    configDir,
    env,
    readSecrets,
  });
  diagnostics.push(...backendProblems);

  for (const d of runConfigRules(ruleContext(resources, collected.byAddress))) diagnostics.push(d);
  if (hasErrors(diagnostics)) throw new DiagnosticsError(diagnostics, summaryOf(diagnostics));
  const paths = files.map((f) => f.path);
  return { configDir, files: paths, configHash, backend, resources, warnings: diagnostics };
}

function ruleContext(
  resources: Map<string, DesiredResource>,
  declarations: Map<string, Declaration>,
): RuleContext {
  return {
    resources,
    declared: declarations,
    at(address, attrPath = []) {
      const decl = declarations.get(address);
      if (decl === undefined) return { address };
      const segments = [...decl.segments, ...attrPath];
      return {
        address,
        file: decl.file.displayPath,
        path: jsonPath(segments),
        ...locate(decl.file, segments, attrPath.length === 0),
      };
    },
  };
}

const TYPE_OF_KEY = new Map<Segment, string>(RESOURCE_TYPES.map((t) => [CONFIG_KEYS[t], t]));

/** The resource (`model.x`) or block (`backend`) a schema problem at `segments` belongs to. */
function ownerOf(segments: readonly Segment[]): string {
  const type = TYPE_OF_KEY.get(segments[0]);
  if (type !== undefined && segments.length >= 2) return `${type}.${String(segments[1])}`;
  return String(segments[0] ?? '');
}

/** sha256 over file names (not folders: moving a checkout keeps its plans valid) and contents, in name order. */
export function hashFiles(paths: readonly string[], texts: readonly string[]): string {
  const hash = createHash('sha256');
  const order = paths.map((p, i) => ({ name: basename(p), text: texts[i] }));
  order.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, text } of order) hash.update(name).update('\0').update(text).update('\0');
  return hash.digest('hex');
}

export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export function summaryOf(diagnostics: readonly Diagnostic[]): string {
  const n = diagnostics.filter((d) => d.severity === 'error').length;
  return `Invalid configuration: ${n} error${n === 1 ? '' : 's'}`;
}
