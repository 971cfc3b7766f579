/**
 * Saved plans (`backflow plan --out FILE`, then `backflow apply FILE`). The file is JSON:
 *   { "backflow_plan": 1, "signed_with": "state-salt" | "digest", "signature": "...", "plan": { ... } }
 *
 * A plan made against a state is signed with HMAC-SHA256 keyed by that state's salt, so a plan edited in
 * transit (a CI artifact, a PR attachment) is refused, and a plan can only be verified against the state it
 * was made for. A plan made with no state yet has no key to use: it carries a SHA-256 digest, which catches
 * damage but not a deliberate edit. Plans hold secret markers only, never values; the file is still 0600.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Plan } from '../engine/plan';
import { UserError } from '../errors';
import { BACKFLOW_VERSION } from '../version';
import { replaceFileDurably } from './durable-fs';
import { canonicalJson } from './stable-json';
import type { StateFile } from './types';

export const PLAN_FILE_FORMAT = 1;

export type PlanSignedWith = 'state-salt' | 'digest';

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

/**
 * Writes `plan` to `path` atomically. `against` is the state the plan was made against (`plan.prior_state`),
 * or its salt; it is ignored when the plan was made with no state.
 */
export function savePlan(path: string, plan: Plan, against: Pick<StateFile, 'salt'> | string | null): void {
  const salt = typeof against === 'string' ? against : (against?.salt ?? null);
  if (plan.prior_state !== null && salt === null) {
    throw new Error('internal: a plan made against a state must be signed with its salt');
  }
  const key = plan.prior_state === null ? null : salt;
  const file: PlanFile = {
    backflow_plan: PLAN_FILE_FORMAT,
    signed_with: key === null ? 'digest' : 'state-salt',
    signature: signPlan(plan, key),
    plan,
  };
  replaceFileDurably(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
}

export function loadPlan(path: string): LoadedPlan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UserError(
      `Saved plan ${path} cannot be read (${code})`,
      'Check the path given to `backflow apply`.',
    );
  }
  const notAPlan = (why: string): UserError =>
    new UserError(
      `${path} is not a Backflow saved plan: ${why}`,
      'Pass a file written by `backflow plan --out FILE`, or run `backflow apply` with no file to plan and apply.',
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw notAPlan('it is not JSON');
  }
  if (!isObject(raw) || raw.backflow_plan === undefined) throw notAPlan('it has no "backflow_plan" field');
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
  const reasons: string[] = [];
  // The key is the salt of the state the plan was made against; when that state is gone, nothing can be
  // verified, and the plan is stale anyway.
  let key: string | null | undefined;
  if (prior === null) {
    key = null;
    if (current !== null) {
      reasons.push(
        `it was made when there was no state, and the state now exists (lineage ${current.lineage}, serial ${current.serial})`,
      );
    }
  } else if (current === null) {
    reasons.push(
      `the state it was made against (lineage ${prior.lineage}, serial ${prior.serial}) no longer exists`,
    );
  } else if (current.lineage !== prior.lineage) {
    reasons.push(`the state lineage changed from ${prior.lineage} to ${current.lineage}`);
  } else {
    key = current.salt;
  }

  if (key !== undefined) {
    const expectedKind: PlanSignedWith = key === null ? 'digest' : 'state-salt';
    if (saved.signed_with !== expectedKind || !sameText(saved.signature, signPlan(plan, key))) {
      throw new UserError(
        `Saved plan ${path} has been modified since it was created (signature mismatch)`,
        `Do not edit saved plans. Run \`backflow plan --out ${path}\` again.`,
      );
    }
  }
  if (
    prior !== null &&
    current !== null &&
    current.lineage === prior.lineage &&
    current.serial !== prior.serial
  ) {
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

/** `hmac-sha256:<hex>` keyed by the state salt, or `sha256:<hex>` with no key, over the canonical plan. */
export function signPlan(plan: Plan, stateSalt: string | null): string {
  const text = canonicalJson(plan);
  if (stateSalt === null) return 'sha256:' + createHash('sha256').update(text, 'utf8').digest('hex');
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
  if (raw.signed_with !== 'state-salt' && raw.signed_with !== 'digest') return 'signed_with is missing';
  if (typeof raw.signature !== 'string') return 'signature is missing';
  const plan = raw.plan;
  if (!isObject(plan)) return 'plan is missing';
  if (typeof plan.backflow_version !== 'string') return 'plan.backflow_version is missing';
  if (typeof plan.config_hash !== 'string') return 'plan.config_hash is missing';
  if (!Array.isArray(plan.resource_changes)) return 'plan.resource_changes is not a list';
  const prior = plan.prior_state;
  if (
    prior !== null &&
    !(isObject(prior) && typeof prior.lineage === 'string' && Number.isSafeInteger(prior.serial))
  ) {
    return 'plan.prior_state is not { lineage, serial } or null';
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
