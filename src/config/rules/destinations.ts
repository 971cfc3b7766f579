/**
 * Destination checks the schema cannot express: a `mirror` sync needs a destination that can delete
 * records; a `segment` or `hubspot` endpoint override must be https (credentials travel in its headers),
 * except on a loopback host (a local proxy, a test server); a sync to Segment must map an identity.
 *
 * Config may not import the adapters (src/config/README.md), so which types can delete is listed here;
 * a unit test keeps the list in step with each adapter's `supportsRemovals`.
 */
import { error, type Diagnostic } from '../../diagnostics';
import type { DesiredResource } from '../desired';
import { attr, resourcesOf, type RuleContext } from './context';

/** Destination type → whether it can deliver removals (the adapter's `supportsRemovals`). */
export const DESTINATION_REMOVALS: Readonly<Record<string, boolean>> = {
  webhook: true,
  segment: false,
  hubspot: false,
};

const WHY_NO_REMOVALS: Readonly<Record<string, string>> = {
  segment: "Segment's Tracking API has identify, track and group calls but no delete",
  hubspot:
    'HubSpot batch upsert cannot delete, and archiving needs the HubSpot object ids Backflow does not keep',
};

function destinationOf(ctx: RuleContext, sync: DesiredResource): DesiredResource | undefined {
  const name = attr(sync, 'destination');
  return typeof name === 'string' ? ctx.resources.get(`destination.${name}`) : undefined;
}

export function mirrorNeedsRemovals(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const sync of resourcesOf(ctx, 'sync')) {
    if (attr(sync, 'mode') !== 'mirror') continue;
    const dest = destinationOf(ctx, sync);
    const type = dest === undefined ? undefined : attr(dest, 'type');
    if (typeof type !== 'string' || DESTINATION_REMOVALS[type] !== false) continue;
    out.push(
      error(
        `${sync.address}: mode "mirror" deletes records that leave the model, but ${dest!.address} (${type}) cannot delete records`,
        {
          ...ctx.at(sync.address, ['mode']),
          detail: `${WHY_NO_REMOVALS[type] ?? `${type} destinations cannot delete`}. Use "mode": "upsert" for this sync (rows that leave the model then stay in ${type}).`,
        },
      ),
    );
  }
  return out;
}

/** Hosts that never leave the machine: plain http to them exposes no credential. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export function endpointsUseHttps(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const dest of resourcesOf(ctx, 'destination')) {
    const type = attr(dest, 'type');
    const text = attr(dest, 'endpoint');
    if ((type !== 'segment' && type !== 'hubspot') || typeof text !== 'string') continue;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      continue; // the schema's "uri" format reports it
    }
    const secret = type === 'segment' ? 'write key' : 'token';
    let problem: string | undefined;
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      problem = `must be https: the ${secret} would cross the network in clear text ("${url.hostname}" is not a loopback host)`;
    } else if (url.username !== '' || url.password !== '') {
      problem = `must not hold credentials; the ${secret} goes in ${type === 'segment' ? 'write_key' : 'token'}, by secret reference`;
    } else if (url.search !== '' || url.hash !== '') {
      problem = 'must be a base URL without a query or fragment';
    }
    if (problem === undefined) continue;
    out.push(
      error(`${dest.address}: endpoint ${problem}`, {
        ...ctx.at(dest.address, ['endpoint']),
        detail:
          type === 'segment'
            ? "Leave endpoint out to use the region's host (us: https://api.segment.io, eu: https://events.eu1.segmentapis.com); http is allowed only on 127.0.0.1, ::1 or localhost."
            : 'Leave endpoint out to use https://api.hubapi.com; http is allowed only on 127.0.0.1, ::1 or localhost.',
      }),
    );
  }
  return out;
}

/**
 * Segment drops events without `userId` or `anonymousId` (and group calls without `groupId`): a sync
 * whose mapping names neither would have every row rejected. Checked when the sync declares a mapping;
 * without one, every model column goes under its own name and the columns are known only at plan time.
 */
export function segmentSyncsMapIdentity(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const sync of resourcesOf(ctx, 'sync')) {
    const dest = destinationOf(ctx, sync);
    if (dest === undefined || attr(dest, 'type') !== 'segment') continue;
    const mapping = attr(sync, 'mapping');
    if (typeof mapping !== 'object' || mapping === null || Object.keys(mapping).length === 0) continue;
    const fields = Object.keys(mapping);
    if (!fields.includes('userId') && !fields.includes('anonymousId')) {
      out.push(
        error(`${sync.address}: the mapping sends no userId or anonymousId to ${dest.address} (segment)`, {
          ...ctx.at(sync.address, ['mapping']),
          detail:
            'Segment drops events without one. Map a model column to "userId" (or "anonymousId"), e.g. "userId": "user_id".',
        }),
      );
    }
    if (attr(dest, 'event_type') === 'group' && !fields.includes('groupId')) {
      out.push(
        error(`${sync.address}: the mapping sends no groupId to ${dest.address} (segment group calls)`, {
          ...ctx.at(sync.address, ['mapping']),
          detail:
            'A group call names the group: map a model column to "groupId", e.g. "groupId": "account_id".',
        }),
      );
    }
  }
  return out;
}
