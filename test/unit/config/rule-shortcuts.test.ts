/**
 * The shortcuts the config rules take at scale (issue 16) give the answers of the long way round: the
 * time zones judged without the whole alias list, UTC cron gaps without Intl,
 * tracking-table collisions looked for only where a warehouse folds names, one verdict per cron schedule,
 * resources normalised in place of their parsed value instead of a copy of it.
 */
import { Cron } from 'croner';
import { CRON_OPTIONS } from '../../../src/config/cron';
import { zone } from '../../../src/config/rules/cron-gap';
import { isKnownTimezone, knownTimezones } from '../../../src/config/rules/timezone';
import { SYNC_TABLES, TABLE_PREFIXES_DISTINCT } from '../../../src/config/rules/warehouse-names';
import { baseConfig, cleanFixtures, fixture, load, positionOf, problems, summaries } from './fixtures';

afterEach(cleanFixtures);

describe('isKnownTimezone', () => {
  // What it answered before it stopped building the alias list up front.
  const before = (tz: string): boolean => {
    if (knownTimezones().has(tz)) return true;
    if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz) || tz.length > 64) return false;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  };
  const names = [
    ...Intl.supportedValuesOf('timeZone'),
    ...knownTimezones(),
    'UTC',
    'Etc/UTC',
    'GMT',
    'utc',
    'europe/berlin',
    'US/Eastern',
    'Asia/Kolkata',
    'Europe/Kyiv',
    'Etc/GMT-14',
    'Etc/GMT+13',
    'Mars/Olympus',
    'Europe/Berln',
    '+05:30',
    'Asia/../../etc',
    '',
    ' UTC',
    'A'.repeat(65),
  ];
  it('answers as the full list and Intl together would, for every name', () => {
    const differ = names.filter((tz) => isKnownTimezone(tz) !== before(tz));
    expect(differ).toEqual([]);
    expect(names.filter((tz) => isKnownTimezone(tz)).length).toBeGreaterThan(400);
    expect(isKnownTimezone('Mars/Olympus')).toBe(false);
  });
});

describe('cron gaps in UTC', () => {
  const expressions = [
    '0 */2 * * *',
    '30 6 * * 1-5',
    '*/15 * * * *',
    '0 0 L * *',
    '0 12 * * 5#2',
    '5,50 23 * * *',
    '0 0 29 2 *',
    '0 9-17 * * MON-FRI',
    '0 0 1,15 * 3',
  ];
  it.each(expressions)('%s fires at the same instants as with timezone "UTC"', (expression) => {
    const runs = (job: Cron): number[] => {
      const out: number[] = [];
      let at: Date | null = new Date('2024-01-01T00:00:00Z');
      for (let i = 0; i < 60 && at !== null; i++) {
        at = job.nextRun(at);
        if (at !== null) out.push(at.getTime());
      }
      return out;
    };
    const named = runs(new Cron(expression, { ...CRON_OPTIONS, timezone: 'UTC' }));
    expect(named.length).toBeGreaterThan(10);
    expect(runs(new Cron(expression, { ...CRON_OPTIONS, ...zone('UTC') }))).toEqual(named);
  });
  it('leaves other zones to Intl', () => {
    expect(zone('Europe/Berlin')).toEqual({ timezone: 'Europe/Berlin' });
  });
});

describe('cron verdicts shared by many syncs', () => {
  it('still reports every sync that uses a bad or too frequent expression', async () => {
    const c = baseConfig();
    const orders = c.syncs.orders as Record<string, unknown>;
    const cron = (expression: string, timezone?: string) => ({
      ...orders,
      schedule: { strategy: 'cron', expression, ...(timezone ? { timezone } : {}) },
    });
    c.syncs = {
      a: cron('*/5 * * * *'),
      b: cron('*/5 * * * *', 'UTC'),
      c: cron('*/5 * * * *', 'Europe/Berlin'),
      d: cron('0 25 * * *'),
      e: cron('0 25 * * *'),
      f: cron('0 * * *'),
      g: cron('0 * * *'),
      h: cron('0 */2 * * *'),
    };
    const found = summaries(await problems(fixture({ 'backflow.json': c })));
    const about = (sync: string) => found.filter((s) => s.startsWith(`sync.${sync}:`));
    for (const sync of ['a', 'b', 'c'])
      expect(about(sync)).toEqual([
        `sync.${sync}: cron expression "*/5 * * * *" runs 5 minutes apart; syncs must be at least 15 minutes apart`,
      ]);
    for (const sync of ['d', 'e']) expect(about(sync)).toHaveLength(1);
    expect(about('d')[0]).toContain('sync.d: invalid cron expression "0 25 * * *"');
    for (const sync of ['f', 'g'])
      expect(about(sync)).toEqual([
        `sync.${sync}: invalid cron expression "0 * * *": expected 5 fields, got 4`,
      ]);
    expect(about('h')).toEqual([]);
  });
});

describe('tracking tables', () => {
  it('no table prefix starts another, and the longest sync table comes first', () => {
    expect(TABLE_PREFIXES_DISTINCT).toBe(true);
    expect(Math.max(...SYNC_TABLES.map((p) => p.length))).toBe(SYNC_TABLES[0].length);
    // Lengths are worked out as prefix + 1 + name: one byte and one character per prefix letter.
    for (const prefix of SYNC_TABLES) expect(prefix).toMatch(/^[a-z]+$/);
  });
});

describe('normalising the parsed value in place', () => {
  it('gives each resource its own attributes: lifecycle apart, prefixes stripped, secrets as markers', async () => {
    const c = baseConfig();
    const warehouse = c.sources.warehouse as Record<string, unknown>;
    c.sources.other = { ...warehouse, lifecycle: { prevent_destroy: true } };
    c.models.big_orders = { ...(c.models.big_orders as object), source: 'source.warehouse' };
    c.syncs.orders = { model: 'model.big_orders', destination: 'crm', lifecycle: { prevent_destroy: true } };
    const dir = fixture({ 'backflow.json': c });
    const desired = await load(dir, { WAREHOUSE_PASSWORD: 'pw-in-place' });
    const [one, two] = ['source.warehouse', 'source.other'].map((a) => desired.resources.get(a)!);
    expect(two.attributes).not.toHaveProperty('lifecycle');
    expect(Object.keys(two.attributes)).toEqual(Object.keys(one.attributes));
    expect(two.lifecycle).toEqual({ prevent_destroy: true, on_attached_change: 'fail' });
    expect(one.lifecycle).toEqual({ prevent_destroy: false, on_attached_change: 'fail' });
    for (const source of [one, two]) {
      expect(source.secrets.get('settings.password')).toBe('pw-in-place');
      expect((source.attributes.settings as Record<string, unknown>).password).toEqual({
        $sensitive: { ref: { env: 'WAREHOUSE_PASSWORD' }, fingerprint: '' },
      });
    }
    expect(one.attributes.settings).not.toBe(two.attributes.settings);
    const model = desired.resources.get('model.big_orders')!;
    expect(model.attributes.source).toBe('warehouse');
    expect(model.dependsOn).toEqual(['source.warehouse']);
    const sync = desired.resources.get('sync.orders')!;
    expect(sync.attributes.model).toBe('big_orders');
    expect(sync.attributes).not.toHaveProperty('lifecycle');
    expect(sync.lifecycle.prevent_destroy).toBe(true);
    expect(sync.dependsOn).toEqual(['model.big_orders', 'destination.crm']);
    expect(sync.origin).toEqual({
      file: 'backflow.json',
      path: '$.syncs.orders',
      ...positionOf(dir, 'backflow.json', '"orders": {'),
    });
  });
});
