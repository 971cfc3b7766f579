/**
 * The state value: create, parse (with validation), serialize, and read accessors. No I/O here: backends
 * own storage, and hand the text they read to `parseState`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { UserError } from '../errors';
import { MAX_STATE_BYTES, MAX_STATE_DEPTH, formatBytes } from '../input/input-limits';
import { describeProblem, jsonBytesMembers, jsonTextShape, repeatedKeyProblem } from '../input/json-limits';
import { isResourceType, type ResourceType } from '../graph/address';
import { BACKFLOW_VERSION } from '../version';
import { sortKeysDeep } from './stable-json';
import { STATE_FORMAT_VERSION, type ResourceState, type StateFile } from './types';

/** A state for a workspace that has none yet. It is written (serial 1) by the first apply. */
export function newState(version: string = BACKFLOW_VERSION): StateFile {
  return {
    format_version: STATE_FORMAT_VERSION,
    backflow_version: version,
    lineage: randomUUID(),
    serial: 0,
    salt: randomBytes(32).toString('hex'),
    resources: {},
  };
}

/** The hint of a corrupt-state error when the storage keeps the previous version at `<where>.backup`. */
export function backupHint(where: string): string {
  return (
    `The previous version of the state is kept in ${where}.backup. Inspect it, then restore it with:\n` +
    `  cp ${where}.backup ${where}\n` +
    'Changes made by the last apply are then missing from state: run `backflow plan` to see them.'
  );
}

/**
 * Parses and validates a state: its text, or the UTF-8 bytes of a file as read (which the checks of the
 * text scan faster). `where` names the storage in messages; `corruptHint` says how to recover (by default:
 * restore `<where>.backup`); `subject` is how messages name it (default `State file <where>`).
 */
export function parseState(
  input: string | Buffer,
  where: string,
  corruptHint: string = backupHint(where),
  subject = `State file ${where}`,
): StateFile {
  const corrupt = (reason: string): UserError =>
    new UserError(`${subject} is corrupt: ${reason}`, corruptHint);

  const text = typeof input === 'string' ? input : input.toString('utf8');
  // A local file is bounded when read; text from another backend (a pg row) is bounded here.
  if (text.length > MAX_STATE_BYTES)
    throw corrupt(`it is larger than the limit of ${formatBytes(MAX_STATE_BYTES)}`);
  // One scan: the nesting bound (before anything recursive) and the member count (for repeated keys). Over
  // the bytes when there are any; a text that nests too deep is scanned again to say where.
  let members = typeof input === 'string' ? -1 : jsonBytesMembers(input, MAX_STATE_DEPTH);
  if (members < 0) {
    const shape = jsonTextShape(text, MAX_STATE_DEPTH);
    if (shape.problem !== undefined) throw corrupt(describeProblem(shape.problem));
    members = shape.members;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw corrupt(`it is not valid JSON (${(err as Error).message})`);
  }
  // JSON.parse keeps the last of two equal keys; a reader that keeps the first would see another state.
  const repeated = repeatedKeyProblem(text, { value: raw, members });
  if (repeated !== undefined) throw corrupt(describeProblem(repeated));
  if (!isObject(raw)) throw corrupt('it is not a JSON object');

  // Checked before the shape: a newer format may have a different shape, and "upgrade" is the useful answer.
  const format = raw.format_version;
  if (typeof format === 'number' && format > STATE_FORMAT_VERSION) {
    const by = typeof raw.backflow_version === 'string' ? raw.backflow_version : 'a newer version';
    throw new UserError(
      `${subject} was written by Backflow ${by} (format ${format}); ` +
        `this is Backflow ${BACKFLOW_VERSION} (format ${STATE_FORMAT_VERSION}): upgrade Backflow to use it`,
      `Install Backflow ${by} or later. Older versions never rewrite a newer state, so it is safe as it is.`,
    );
  }
  if (format !== STATE_FORMAT_VERSION) throw corrupt(`format_version is ${JSON.stringify(format)}`);
  if (typeof raw.backflow_version !== 'string') throw corrupt('backflow_version is not a string');
  if (typeof raw.lineage !== 'string' || raw.lineage === '') throw corrupt('lineage is missing');
  if (!Number.isSafeInteger(raw.serial) || (raw.serial as number) < 0) throw corrupt('serial is not a count');
  if (typeof raw.salt !== 'string' || !/^[0-9a-f]{2,}$/i.test(raw.salt)) throw corrupt('salt is not hex');
  if (!isObject(raw.resources)) throw corrupt('resources is not an object');
  const resources = raw.resources;
  const addresses = Object.keys(resources);
  for (let i = 0; i < addresses.length; i++) {
    const address = addresses[i];
    const problem = resourceProblem(address, resources[address]);
    if (problem !== undefined) throw corrupt(`resource ${address}: ${problem}`);
  }
  return raw as unknown as StateFile;
}

/** Why `value` is not a valid ResourceState stored under `address`; undefined when it is. */
export function resourceProblem(address: string, value: unknown): string | undefined {
  if (!isObject(value)) return 'not an object';
  if (typeof value.type !== 'string' || !isResourceType(value.type)) return 'unknown type';
  if (typeof value.name !== 'string' || !isAddressOf(address, value.type, value.name)) {
    return `type and name do not match the address`;
  }
  if (!isObject(value.attributes)) return 'attributes is not an object';
  if (!isObject(value.computed)) return 'computed is not an object';
  if (!isListOfStrings(value.dependencies)) return 'dependencies is not a list of addresses';
  if (value.paused_by !== undefined && typeof value.paused_by !== 'string')
    return 'paused_by is not a string';
  if (value.tainted !== undefined && typeof value.tainted !== 'boolean') return 'tainted is not a boolean';
  if (value.tracking_key !== undefined && typeof value.tracking_key !== 'string')
    return 'tracking_key is not a string';
  return undefined;
}

/**
 * Text for storage: header fields first in a fixed order, resources by address, every nested key sorted, so
 * that two writes of the same state are byte-identical and state diffs in review are minimal.
 */
export function serializeState(state: StateFile): string {
  const resources: Record<string, unknown> = {};
  for (const address of resourceAddresses(state)) {
    // Type and name lead for readability; every other field (known or not) follows with sorted keys.
    const { type, name, ...rest } = state.resources[address];
    resources[address] = { type, name, ...(sortKeysDeep(rest) as object) };
  }
  const { format_version, backflow_version, lineage, serial, salt, resources: _, ...extra } = state;
  const ordered = {
    format_version,
    backflow_version,
    lineage,
    serial,
    salt,
    ...(sortKeysDeep(extra) as object),
    resources,
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

// --- read accessors ---

/** Every address in state, sorted. */
export function resourceAddresses(state: StateFile): string[] {
  return Object.keys(state.resources).sort();
}

export function getResource(state: StateFile, address: string): ResourceState | undefined {
  return Object.prototype.hasOwnProperty.call(state.resources, address)
    ? state.resources[address]
    : undefined;
}

export function resourcesOfType(state: StateFile, type: ResourceType): ResourceState[] {
  return resourceAddresses(state)
    .map((a) => state.resources[a])
    .filter((r) => r.type === type);
}

export function isEmptyState(state: StateFile | null): boolean {
  return state === null || Object.keys(state.resources).length === 0;
}

/** `address === type + '.' + name`, without building the string (this runs for every resource in state). */
function isAddressOf(address: string, type: string, name: string): boolean {
  return (
    address.length === type.length + 1 + name.length &&
    address.startsWith(type) &&
    address.charCodeAt(type.length) === 46 && // '.'
    address.endsWith(name)
  );
}

function isListOfStrings(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
