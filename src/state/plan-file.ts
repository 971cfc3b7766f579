/**
 * Saved plans (`backflow plan --out FILE`, then `backflow apply FILE`). The file is JSON:
 *   { "backflow_plan": 1, "signed_with": "state-salt" | "digest", "signature": "...", "plan": { ... } }
 *
 * A plan is signed with HMAC-SHA256 keyed by the salt of the state it was made against, so a plan edited in
 * transit (a CI artifact, a PR attachment) is refused, and a plan can only be verified against the state it
 * was made for. There is always such a state: `plan -out` on a workspace with no state first records an
 * empty one (see the plan command), so the first plan is signed as strongly as every later one. Files
 * signed with a bare digest (older versions did that before the first apply) are refused.
 *
 * The signature covers the canonical form of `plan`; a file holding anything outside it (another top-level
 * field, a repeated key, a `__proto__` key — which the canonical form cannot carry) is not a plan. Plans
 * hold secret markers only, never values; the file is still 0600.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Plan } from '../engine/plan';
import { UserError } from '../errors';
import { MAX_PLAN_DEPTH, MAX_PLAN_FILE_BYTES } from '../input/input-limits';
import { describeProblem, jsonTextShape, repeatedKeyProblem } from '../input/json-limits';
import { readBoundedText } from '../input/read-bounded-file';
import { BACKFLOW_VERSION } from '../version';
import { replaceFileDurably } from './durable-fs';
import { canonicalJson } from './stable-json';
import type { StateFile } from './types';

export const PLAN_FILE_FORMAT = 1;

export type PlanSignedWith = 'state-salt';
const ENVELOPE_KEYS = ['backflow_plan', 'plan', 'signature', 'signed_with'];

export interface PlanFile {
  backflow_plan: typeof PLAN_FILE_FORMAT;
  signed_with: PlanSignedWith;
  signature: string;
  plan: Plan;
}

export interface LoadedPlan extends PlanFile {
  /** Where it was read from, for messages. */
  path: string;
}

/** Writes `plan` to `path` atomically. `against` is the state the plan was made against, or its salt. */
export function savePlan(path: string, plan: Plan, against: Pick<StateFile, 'salt'> | string | null): void {
  const salt = typeof against === 'string' ? against : (against?.salt ?? null);
  if (plan.prior_state === null || salt === null) {
    throw new Error('internal: a saved plan is made against a state and signed with its salt');
  }
  const file: PlanFile = {
    backflow_plan: PLAN_FILE_FORMAT,
    signed_with: 'state-salt',
    signature: signPlan(plan, salt),
    plan,
  };
  replaceFileDurably(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
}

export function loadPlan(path: string): LoadedPlan {
  const text = readBoundedText(path, {
    what: 'Saved plan',
    maxBytes: MAX_PLAN_FILE_BYTES,
    fix: 'Check the path given to `backflow apply`: a saved plan is the regular file `backflow plan --out FILE` wrote.',
  });
  const notAPlan = (why: string): UserError =>
    new UserError(
      `${path} is not a Backflow saved plan: ${why}`,
      'Pass a file written by `backflow plan --out FILE`, or run `backflow apply` with no file to plan and apply.',
    );
  const shape = jsonTextShape(text, MAX_PLAN_DEPTH);
  if (shape.problem !== undefined) throw notAPlan(describeProblem(shape.problem));
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw notAPlan('it is not JSON');
  }
  if (!isObject(raw) || raw.backflow_plan === undefined) throw notAPlan('it has no "backflow_plan" field');
  // Outside the signed canonical form: JSON.parse keeps the last of two equal keys (another reader may
  // keep the first), and the canonical form drops a "__proto__" key, so neither would break the signature.
  const repeated = repeatedKeyProblem(text, { value: raw, members: shape.members });
  if (repeated !== undefined) throw notAPlan(describeProblem(repeated));
  if (typeof raw.backflow_plan === 'number' && raw.backflow_plan > PLAN_FILE_FORMAT) {
    throw new UserError(
      `Saved plan ${path} was written by a newer Backflow (plan file format ${raw.backflow_plan})`,
      'Apply it with the Backflow version that made it, or plan again with this one.',
    );
  }
  const problem = planFileProblem(raw);
  if (problem !== undefined) throw notAPlan(problem);
  return { ...(raw as unknown as PlanFile), path };
}

/**
 * Refuses a saved plan that was modified, or that no longer describes what apply would do: the state moved
 * (other lineage, other serial), the configuration changed, or another Backflow version made it.
 */
export function verifyPlan(
  saved: LoadedPlan,
  current: StateFile | null,
  configHash: string,
  backflowVersion: string = BACKFLOW_VERSION,
): void {
  const { plan, path } = saved;
  const prior = plan.prior_state;
  if (prior === null) throw new Error('internal: loadPlan admits only plans made against a state');
  const reasons: string[] = [];
  // The key is the salt of the state the plan was made against; when that state is gone, nothing can be
  // verified, and the plan is stale anyway.
  let key: string | undefined;
  if (current === null) {
    reasons.push(
      `the state it was made against (lineage ${prior.lineage}, serial ${prior.serial}) no longer exists`,
    );
  } else if (current.lineage !== prior.lineage) {
    reasons.push(`the state lineage changed from ${prior.lineage} to ${current.lineage}`);
  } else {
    key = current.salt;
  }

  if (key !== undefined) {
    if (saved.signed_with !== 'state-salt' || !sameText(saved.signature, signPlan(plan, key))) {
      throw new UserError(
        `Saved plan ${path} has been modified since it was created (signature mismatch)`,
        `Do not edit saved plans. Run \`backflow plan --out ${path}\` again.`,
      );
    }
  }
  if (current !== null && current.lineage === prior.lineage && current.serial !== prior.serial) {
    reasons.push(`the state serial moved from ${prior.serial} to ${current.serial}`);
  }
  if (plan.config_hash !== configHash) reasons.push('the configuration changed since the plan was made');
  if (plan.backflow_version !== backflowVersion) {
    reasons.push(`it was made by Backflow ${plan.backflow_version}; this is Backflow ${backflowVersion}`);
  }
  if (reasons.length > 0) {
    throw new UserError(
      `Saved plan is stale: ${reasons.join('; ')}`,
      `Run \`backflow plan --out ${path}\` again, review it, and apply the new plan.`,
    );
  }
}

/** `hmac-sha256:<hex>` keyed by the state salt, over the canonical plan. */
export function signPlan(plan: Plan, stateSalt: string): string {
  const text = canonicalJson(plan);
  return (
    'hmac-sha256:' + createHmac('sha256', Buffer.from(stateSalt, 'hex')).update(text, 'utf8').digest('hex')
  );
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function planFileProblem(raw: Record<string, unknown>): string | undefined {
  if (raw.backflow_plan !== PLAN_FILE_FORMAT)
    return `unknown plan file format ${JSON.stringify(raw.backflow_plan)}`;
  const extra = Object.keys(raw).filter((k) => !ENVELOPE_KEYS.includes(k));
  if (extra.length > 0)
    return `it has fields no plan file has: ${extra.map((k) => JSON.stringify(k)).join(', ')}`;
  if (raw.signed_with === 'digest')
    return 'it is signed with a bare digest (made before the first apply by an older Backflow), which does not prove who made it';
  if (raw.signed_with !== 'state-salt') return 'signed_with is missing';
  if (typeof raw.signature !== 'string') return 'signature is missing';
  const plan = raw.plan;
  if (!isObject(plan)) return 'plan is missing';
  if (typeof plan.backflow_version !== 'string') return 'plan.backflow_version is missing';
  if (typeof plan.config_hash !== 'string') return 'plan.config_hash is missing';
  if (!Array.isArray(plan.resource_changes)) return 'plan.resource_changes is not a list';
  const prior = plan.prior_state;
  if (!(isObject(prior) && typeof prior.lineage === 'string' && Number.isSafeInteger(prior.serial))) {
    return 'plan.prior_state is not { lineage, serial }';
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
