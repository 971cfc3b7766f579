/** A hubspot destination's attributes (schema-validated, secrets revealed) as typed settings. */
import { UserError } from '../../../errors';
import { commonLimits } from '../limits';

export const HUBSPOT_API = 'https://api.hubapi.com';
/** Inputs per batch request: HubSpot refuses more than 100. */
export const MAX_INPUTS = 100;

export interface HubspotSettings {
  token: string;
  objectType: string;
  idProperty: string;
  /** `{endpoint}/crm/v3/objects/{objectType}/batch/upsert`. */
  upsertUrl: string;
  batchSize: number;
  maxInFlight: number;
  timeoutMs: number;
  maxRetries: number;
}

export function hubspotSettings(a: Record<string, unknown>): HubspotSettings {
  const token = typeof a.token === 'string' ? a.token : '';
  if (token === '') {
    throw new UserError(
      'the hubspot destination has an empty token',
      "Set token to a private app's access token (Settings → Integrations → Private apps) with the CRM write scopes of the object type.",
    );
  }
  const objectType = typeof a.object_type === 'string' && a.object_type !== '' ? a.object_type : 'contacts';
  const base = typeof a.endpoint === 'string' && a.endpoint !== '' ? a.endpoint : HUBSPOT_API;
  const limits = commonLimits(a, MAX_INPUTS);
  return {
    token,
    objectType,
    idProperty: String(a.id_property ?? 'email'),
    upsertUrl: `${base.replace(/\/+$/, '')}/crm/v3/objects/${encodeURIComponent(objectType)}/batch/upsert`,
    ...limits,
    batchSize: Math.min(limits.batchSize, MAX_INPUTS),
  };
}
