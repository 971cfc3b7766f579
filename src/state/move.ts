/**
 * `state mv SRC DST`: give a managed object a new address without touching the real world, so renaming a
 * resource in config is a rename, not a destroy and a create (Terraform's `state mv`, and its `moved`
 * blocks). References to it in other objects' recorded attributes and dependencies follow, so the next plan
 * shows no change once the config says the same; and the name its warehouse tracking lives under is kept
 * (`tracking_key`), so a sync goes on from where it was instead of sending every row again. Pure.
 */
import { parseAddress, type Address } from '../graph/address';
import { REFERENCE_FIELDS, referenceAt } from '../graph/references';
import { UserError } from '../errors';
import type { ResourceState, StateFile } from './types';

/** Types whose warehouse objects are named after the resource: models (snapshot) and syncs (tracking). */
const TRACKED = new Set(['model', 'sync']);

export function moveResource(state: StateFile, from: string, to: string): StateFile {
  const src = address(from, 'source');
  const dst = address(to, 'destination');
  if (src.type !== dst.type)
    throw new UserError(
      `Cannot move ${from} to ${to}: the resource types differ`,
      'A move renames an object; it cannot change what kind of object it is.',
    );
  const moving = state.resources[from];
  if (moving === undefined)
    throw new UserError(
      `No instance found for the given address: ${from}`,
      'Run `backflow state list` to see what state holds. Nothing was moved.',
    );
  if (state.resources[to] !== undefined)
    throw new UserError(
      `Cannot move ${from} to ${to}: ${to} is already in state`,
      'Remove or move the object at the destination first (`backflow state rm`). Nothing was moved.',
    );

  const resources: Record<string, ResourceState> = {};
  for (const [addr, r] of Object.entries(state.resources)) {
    if (addr === from) {
      const moved: ResourceState = { ...r, name: dst.name };
      if (TRACKED.has(r.type)) moved.tracking_key = r.tracking_key ?? r.name;
      resources[to] = moved;
    } else {
      resources[addr] = renameReferences(r, src, dst);
    }
  }
  return { ...state, resources };
}

function address(text: string, role: string): Address {
  const a = parseAddress(text);
  if (a === undefined)
    throw new UserError(
      `The ${role} address "${text}" is not a resource address`,
      'Write TYPE.NAME, e.g. model.active_users (see `backflow state list`).',
    );
  return a;
}

/** `r` with every reference to `src` (by name in attributes, by address elsewhere) pointing at `dst`. */
function renameReferences(r: ResourceState, src: Address, dst: Address): ResourceState {
  const from = `${src.type}.${src.name}`;
  const to = `${dst.type}.${dst.name}`;
  let attributes = r.attributes;
  for (const field of REFERENCE_FIELDS[r.type]) {
    if (field.target !== src.type) continue;
    const ref = referenceAt(attributes, field.path);
    // Config writes references by name; an address form is accepted too (see runs/run-target.ts).
    if (ref === src.name) attributes = setAt(attributes, field.path, dst.name);
    else if (ref === from) attributes = setAt(attributes, field.path, to);
  }
  const out: ResourceState = {
    ...r,
    attributes,
    dependencies: r.dependencies.map((d) => (d === from ? to : d)),
  };
  if (r.paused_by === from) out.paused_by = to;
  return out;
}

function setAt(
  obj: Record<string, unknown>,
  path: readonly string[],
  value: string,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (rest.length === 0) return { ...obj, [head]: value };
  return { ...obj, [head]: setAt(obj[head] as Record<string, unknown>, rest, value) };
}
