/**
 * Time zones Backflow accepts: the IANA zones this Node knows, plus `UTC` (which Intl lists under
 * `Etc/UTC` on some ICU builds, and not at all on others).
 */
let zones: Set<string> | undefined;

export function knownTimezones(): Set<string> {
  zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  return zones;
}

export function isKnownTimezone(tz: string): boolean {
  return knownTimezones().has(tz);
}
