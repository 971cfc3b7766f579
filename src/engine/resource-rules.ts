/**
 * Per-type rules the planner follows: which attribute changes force replacement, and which model
 * attributes change what a model produces (and so fall under the detachment rule).
 */
import type { ResourceType } from '../graph/address';

/** A change to any of these attributes destroys the object and creates it anew. */
export const FORCE_NEW: Record<ResourceType, readonly string[]> = {
  source: ['warehouse'],
  dbt_cloud: ['account_id'],
  git_sync: ['source'],
  destination: ['type'],
  model: ['source'],
  sync: ['model', 'destination'],
};

/**
 * Model attributes that change the records a model produces. Changing one while an active sync uses the
 * model would corrupt change tracking (DESIGN.md §1, the detachment rule). Display name, description and
 * `enabled` are not among them.
 */
export const MODEL_OUTPUT_ATTRIBUTES: readonly string[] = ['query', 'dbt_model', 'primary_key', 'source'];
