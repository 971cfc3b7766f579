/**
 * Every IANA zone the runtime knows is accepted, under its current name and its aliases (ICU lists
 * `Asia/Calcutta`, users write `Asia/Kolkata`), with a did-you-mean for the rest.
 */
import { isKnownTimezone } from '../../../src/config/rules/timezone';
import { baseConfig, cleanFixtures, fixture, load, problems, summaries } from '../config/fixtures';

afterAll(cleanFixtures);

function withZone(timezone: string): string {
  const config = baseConfig();
  const syncs = config.syncs as Record<string, Record<string, unknown>>;
  for (const sync of Object.values(syncs))
    sync.schedule = { strategy: 'cron', expression: '0 6 * * *', timezone };
  return fixture({ 'backflow.json': config });
}

const ACCEPTED = [
  'Asia/Kolkata',
  'Asia/Calcutta',
  'Europe/Kyiv',
  'Europe/Kiev',
  'Etc/GMT-14',
  'Etc/GMT+12',
  'America/Argentina/Buenos_Aires',
  'America/Nuuk',
  'Pacific/Kanton',
  'US/Eastern',
  'UTC',
  'Etc/UTC',
  'GMT',
];

test.each(ACCEPTED)('%s is accepted by validate', async (zone) => {
  await expect(load(withZone(zone))).resolves.toBeDefined();
});

test('every zone Intl lists is accepted', () => {
  const refused = Intl.supportedValuesOf('timeZone').filter((z) => !isKnownTimezone(z));
  expect(refused).toEqual([]);
});

test.each([
  ['Asia/Kolkatta', 'Asia/Kolkata'],
  ['Europe/Kyyiv', 'Europe/Kyiv'],
  ['Europe/Berln', 'Europe/Berlin'],
])('%s is refused with a did-you-mean', async (zone, suggestion) => {
  const errors = summaries(await problems(withZone(zone)));
  expect(errors.length).toBeGreaterThan(0);
  expect(errors[0]).toContain(`unknown timezone "${zone}"; did you mean "${suggestion}"?`);
});

test.each(['+05:30', 'Asia/../../etc', 'Mars/Olympus', ''])('%j is refused', async (zone) => {
  expect(isKnownTimezone(zone)).toBe(false);
});
