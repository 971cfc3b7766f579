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
  zones ??= new Set([
    ...Intl.supportedValuesOf('timeZone'),
    'UTC',
    'Etc/UTC',
    ...CURRENT_NAMES.filter((z) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: z });
        return true;
      } catch {
        return false;
      }
    }),
  ]);
  return zones;
}

const accepted = new Map<string, boolean>();

/**
 * Whether the runtime knows `tz` as an IANA zone. `Intl.supportedValuesOf` lists only canonical names
 * (`Asia/Calcutta`, `Europe/Kiev`), so the current and alias names users write (`Asia/Kolkata`,
 * `Europe/Kyiv`, `Etc/GMT-14`, `US/Eastern`) are checked by asking Intl to use them. Only zone names are
 * accepted, not offsets.
 */
export function isKnownTimezone(tz: string): boolean {
  if (knownTimezones().has(tz)) return true;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz) || tz.length > 64) return false;
  let ok = accepted.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    accepted.set(tz, ok);
  }
  return ok;
}
