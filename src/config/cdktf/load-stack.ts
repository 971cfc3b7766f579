/**
 * One synthesized stack → one DesiredState, through the same steps as backflow.json: the stack's
 * `backflow_*` resources become a config value (references resolved, keys in schema order) that is schema
 * validated, normalised and checked by the same rules. Problems are then pointed back at the stack: the
 * cdk.tf.json file, line and JSON path, and the construct path from the `//` metadata.
 */
import { createHash } from 'node:crypto';
import { getLocation } from 'jsonc-parser';
import { join } from 'node:path';
import { error, jsonPath, type Diagnostic } from '../../diagnostics';
import { DiagnosticsError } from '../../errors';
import { CONFIG_KEYS, RESOURCE_TYPES, type ResourceType } from '../../graph/address';
import { locate, type ConfigFile, type Segment } from '../config-file';
import type { DesiredState } from '../desired';
import { buildDesired, displayPath, readConfigText, summaryOf } from '../load';
import { parseConfigFile } from '../parse-json';
import { parseJsonPath } from './json-path';
import { resolveReferences } from './references';
import { inSchemaOrder } from './schema-order';
import { location, stackResources, type SynthResource } from './stack-resources';
import type { StackRef } from './synth-output';

export interface StackOptions {
  configDir: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  readSecrets: boolean;
}

/** State of a stack without a Backend construct: one file per stack, so stacks never share a state or lock. */
export function defaultStatePath(stack: string): string {
  return `.backflow/${stack}/state.json`;
}

export async function loadStack(stack: StackRef, opts: StackOptions): Promise<DesiredState> {
  const shown = displayPath(stack.path, opts.cwd);
  const parsed = parseConfigFile(stack.path, shown, readConfigText(stack.path, shown));
  if (parsed.file.value === undefined) throw new DiagnosticsError(parsed.diagnostics);
  const file = parsed.file;

  const { resources, diagnostics } = stackResources(file);
  for (const r of resources) diagnostics.push(...resolveReferences(r, file));
  const backends = resources.filter((r) => r.type === 'backend');
  for (const extra of backends.slice(1))
    diagnostics.push(
      error(`stack ${stack.name} declares more than one backend`, {
        ...location(file, extra.segments, extra.construct, undefined),
        detail: `Keep one: ${backends.map((b) => b.construct ?? `backflow_backend.${b.name}`).join(', ')}.`,
      }),
    );
  if (diagnostics.length > 0) throw new DiagnosticsError(diagnostics, summaryOf(diagnostics));

  const managed = resources.filter((r): r is SynthResource & { type: ResourceType } => r.type !== 'backend');
  const config = configValue(stack.name, managed, backends[0]);
  const configText = JSON.stringify(config, null, 2);
  const virtualName = `<cdktf stack ${stack.name}>`;
  const virtual = parseConfigFile(join(opts.configDir, virtualName), virtualName, configText);
  const byAddress = new Map(managed.map((r) => [`${r.type}.${r.name}`, r]));
  const relocate = relocator(file, virtual.file, virtualName, byAddress, backends[0]);

  let desired: DesiredState;
  try {
    desired = buildDesired([virtual.file], virtual.diagnostics, {
      configDir: opts.configDir,
      env: opts.env,
      readSecrets: opts.readSecrets,
      configHash: createHash('sha256').update(`cdktf\0${stack.name}\0${configText}`).digest('hex'),
    });
  } catch (err) {
    if (!(err instanceof DiagnosticsError)) throw err;
    throw new DiagnosticsError(err.diagnostics.map(relocate), err.message);
  }
  for (const r of desired.resources.values()) {
    const synth = byAddress.get(r.address);
    if (synth === undefined) continue;
    r.origin = {
      file: file.displayPath,
      path: jsonPath(synth.segments),
      ...locate(file, synth.segments, true),
      ...(synth.construct !== undefined ? { construct: synth.construct } : {}),
    };
  }
  return { ...desired, files: [stack.path], warnings: desired.warnings?.map(relocate) };
}

/** The config a stack's resources amount to: the backend, then each type's resources by name. */
function configValue(
  stack: string,
  resources: (SynthResource & { type: ResourceType })[],
  backend: SynthResource | undefined,
): unknown {
  const config: Record<string, Record<string, unknown>> = { backend: backendValue(stack, backend) };
  const byName = [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const type of RESOURCE_TYPES) {
    const section: Record<string, unknown> = {};
    for (const r of byName.filter((x) => x.type === type)) section[r.name] = r.attributes;
    if (Object.keys(section).length > 0) config[CONFIG_KEYS[type]] = section;
  }
  return inSchemaOrder(config);
}

/** Per-stack defaults: a local state file of its own, or its own workspace in a shared pg backend. */
function backendValue(stack: string, backend: SynthResource | undefined): Record<string, unknown> {
  const written = { ...(backend?.attributes ?? { type: 'local' }) };
  if (written.type === 'local' && written.path === undefined) written.path = defaultStatePath(stack);
  if (written.type === 'pg' && written.workspace === undefined) written.workspace = stack;
  return written;
}

/** Moves a diagnostic about the config value to the stack file and construct it came from. */
function relocator(
  file: ConfigFile,
  virtual: ConfigFile,
  virtualName: string,
  byAddress: Map<string, SynthResource>,
  backend: SynthResource | undefined,
): (d: Diagnostic) => Diagnostic {
  const typeOfKey = new Map<Segment, ResourceType>(RESOURCE_TYPES.map((t) => [CONFIG_KEYS[t], t]));
  const owner = (segments: Segment[]): { resource?: SynthResource; rest: Segment[] } => {
    if (segments[0] === 'backend') return { resource: backend, rest: segments.slice(1) };
    const type = typeOfKey.get(segments[0]);
    const resource = type === undefined ? undefined : byAddress.get(`${type}.${String(segments[1])}`);
    return { resource, rest: segments.slice(2) };
  };
  return (d) => {
    if (d.file === virtualName) {
      const { resource, rest } = owner(parseJsonPath(d.path ?? '$') ?? []);
      if (resource === undefined) return { ...d, file: file.displayPath, path: '$', ...locate(file, []) };
      const moved = {
        ...d,
        ...location(file, [...resource.segments, ...rest], resource.construct, d.address),
      };
      // The line and column point at the very node the problem is about (an unknown field's key, say),
      // which can be deeper than its path: find that node in the stack file.
      const at = owner(virtualSegments(virtual, d));
      if (at.resource !== resource) return moved;
      return { ...moved, ...locate(file, [...resource.segments, ...at.rest], true) };
    }
    const resource = d.file === undefined && d.address !== undefined ? byAddress.get(d.address) : undefined;
    if (resource === undefined) return d;
    return { ...d, ...location(file, resource.segments, resource.construct, d.address) };
  };
}

/** Path of the node at a diagnostic's line and column in the generated config text. */
function virtualSegments(virtual: ConfigFile, d: Diagnostic): Segment[] {
  if (d.line === undefined) return [];
  const offset = (virtual.lineStarts[d.line - 1] ?? 0) + (d.column ?? 1) - 1;
  return getLocation(virtual.text, offset).path;
}
