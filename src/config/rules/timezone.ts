/**
 * Time zones Backflow accepts: the IANA zones this Node knows, plus `UTC` (which Intl lists under
 * `Etc/UTC` on some ICU builds, and not at all on others).
 */
let zones: Set<string> | undefined;

/** Current names ICU still lists under an older canonical one: offered by did-you-mean too. */
const CURRENT_NAMES = [
  'Asia/Kolkata',
  'Europe/Kyiv',
  'America/Nuuk',
  'Pacific/Kanton',
  'Asia/Ho_Chi_Minh',
  'Asia/Kathmandu',
  'Asia/Yangon',
  'Atlantic/Faroe',
  'America/Argentina/Buenos_Aires',
  'America/Indiana/Indianapolis',
  'America/Kentucky/Louisville',
  ...Array.from({ length: 14 }, (_, i) => `Etc/GMT-${i + 1}`),
  ...Array.from({ length: 12 }, (_, i) => `Etc/GMT+${i + 1}`),
];

export function knownTimezones(): Set<string> {
  zones ??= new Set([...canonicalTimezones(), ...CURRENT_NAMES.filter(intlAccepts)]);
  return zones;
}

let canonical: Set<string> | undefined;

/** The zones Intl lists, plus UTC: part of knownTimezones(), without a formatter per alias. */
function canonicalTimezones(): Set<string> {
  canonical ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  return canonical;
}

const accepted = new Map<string, boolean>();

/**
 * Whether the runtime knows `tz` as an IANA zone. `Intl.supportedValuesOf` lists only canonical names
 * (`Asia/Calcutta`, `Europe/Kiev`), so the current and alias names users write (`Asia/Kolkata`,
 * `Europe/Kyiv`, `Etc/GMT-14`, `US/Eastern`) are checked by asking Intl to use them. Only zone names are
 * accepted, not offsets.
 *
 * Cheapest question first, each answer cached: the listed names (no formatter), then Intl itself, and only
 * for what Intl refused the whole of knownTimezones(). Building that list costs ICU a formatter per alias,
 * about 20 ms of start-up whatever the config, while a config names a handful of zones. The answer is the
 * one the list alone and Intl would give together.
 */
export function isKnownTimezone(tz: string): boolean {
  let ok = accepted.get(tz);
  if (ok === undefined) {
    ok =
      canonicalTimezones().has(tz) || (looksLikeZoneName(tz) && intlAccepts(tz)) || knownTimezones().has(tz);
    accepted.set(tz, ok);
  }
  return ok;
}

function looksLikeZoneName(tz: string): boolean {
  return tz.length <= 64 && /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz);
}

function intlAccepts(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
