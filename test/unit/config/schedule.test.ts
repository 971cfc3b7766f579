import { baseConfig, cleanFixtures, fixture, load, problems, summaries } from './fixtures';

afterEach(cleanFixtures);

function withSchedule(schedule: object, extraSyncs: Record<string, object> = {}): string {
  const c = baseConfig();
  (c.syncs.orders as Record<string, unknown>).schedule = schedule;
  c.dbt_cloud = { main: { account_id: 1, api_key: { env: 'DBT' } } };
  Object.assign(c.syncs, extraSyncs);
  return fixture({ 'backflow.json': c });
}

const env = { WAREHOUSE_PASSWORD: 'pw-test', DBT: 'key-test' };
const scheduleOf = async (schedule: object) =>
  (await load(withSchedule(schedule), env)).resources.get('sync.orders')!.attributes.schedule;
const errorsOf = async (schedule: object) => summaries(await problems(withSchedule(schedule), env));

describe('schedules', () => {
  it('defaults to manual', async () => {
    const c = baseConfig();
    const state = await load(fixture({ 'backflow.json': c }), env);
    expect(state.resources.get('sync.orders')!.attributes.schedule).toEqual({ strategy: 'manual' });
  });

  describe('manual', () => {
    it('is valid alone', async () =>
      expect(await scheduleOf({ strategy: 'manual' })).toEqual({ strategy: 'manual' }));
    it('takes no other field', async () =>
      expect(await errorsOf({ strategy: 'manual', expression: '0 * * * *' })).toEqual([
        'unknown field "expression"',
      ]));
  });

  describe('periodic', () => {
    it('accepts 15m and longer', async () => {
      expect(await scheduleOf({ strategy: 'periodic', interval: '15m' })).toEqual({
        strategy: 'periodic',
        interval: '15m',
      });
      expect(await scheduleOf({ strategy: 'periodic', interval: '1d' })).toMatchObject({ interval: '1d' });
    });
    it('rejects intervals under 15 minutes', async () =>
      expect(await errorsOf({ strategy: 'periodic', interval: '5m' })).toEqual([
        'sync.orders: interval "5m" is too short; syncs run at most every 15 minutes ("15m")',
      ]));
    it('rejects an interval without a unit', async () =>
      expect(await errorsOf({ strategy: 'periodic', interval: '60' })).toEqual([
        'invalid value "60" for "interval": expected a number and a unit (m, h or d), like "15m", "2h" or "1d"',
      ]));
    it('requires the interval', async () =>
      expect(await errorsOf({ strategy: 'periodic' })).toEqual(['missing required field "interval"']));
  });

  describe('specific_days', () => {
    it('is valid, in canonical order, with UTC by default', async () =>
      expect(await scheduleOf({ strategy: 'specific_days', days: ['thu', 'mon'], hours: [18, 6] })).toEqual({
        strategy: 'specific_days',
        days: ['mon', 'thu'],
        hours: [6, 18],
        timezone: 'UTC',
      }));
    it('accepts the DESIGN.md example', async () =>
      expect(
        await scheduleOf({
          strategy: 'specific_days',
          days: ['mon', 'thu'],
          hours: [6, 18],
          timezone: 'Europe/Berlin',
        }),
      ).toMatchObject({ timezone: 'Europe/Berlin' }));
    it('rejects repeated days, hours out of range and unknown days', async () =>
      expect(await errorsOf({ strategy: 'specific_days', days: ['mon', 'mon', 'mOn'], hours: [24] })).toEqual(
        [
          '"days" lists "mon" more than once',
          'invalid value "mOn" for "days[2]": expected one of mon, tue, wed, thu, fri, sat, sun; did you mean "mon"?',
          '"hours[0]" must be at most 23, got 24',
        ],
      ));
    it('rejects empty lists', async () =>
      expect(await errorsOf({ strategy: 'specific_days', days: [], hours: [] })).toEqual([
        '"days" must list at least 1 value(s)',
        '"hours" must list at least 1 value(s)',
      ]));
    it('rejects an unknown timezone, suggesting the closest', async () =>
      expect(
        await errorsOf({ strategy: 'specific_days', days: ['mon'], hours: [6], timezone: 'Europe/Berln' }),
      ).toEqual(['sync.orders: unknown timezone "Europe/Berln"; did you mean "Europe/Berlin"?']));
  });

  describe('cron', () => {
    it('is valid every two hours, with UTC by default', async () =>
      expect(await scheduleOf({ strategy: 'cron', expression: '0 */2 * * *' })).toEqual({
        strategy: 'cron',
        expression: '0 */2 * * *',
        timezone: 'UTC',
      }));
    it('accepts runs exactly 15 minutes apart, in a time zone', async () =>
      expect(
        await scheduleOf({ strategy: 'cron', expression: '*/15 * * * *', timezone: 'America/New_York' }),
      ).toMatchObject({ timezone: 'America/New_York' }));
    it('rejects runs closer than 15 minutes, naming the gap', async () => {
      const found = await problems(withSchedule({ strategy: 'cron', expression: '*/5 * * * *' }), env);
      expect(summaries(found)).toEqual([
        'sync.orders: cron expression "*/5 * * * *" runs 5 minutes apart; syncs must be at least 15 minutes apart',
      ]);
      expect(found[0].path).toBe('$.syncs.orders.schedule.expression');
    });
    it('finds the shortest gap of an irregular expression', async () =>
      expect(await errorsOf({ strategy: 'cron', expression: '0,10 9 * * 1' })).toEqual([
        'sync.orders: cron expression "0,10 9 * * 1" runs 10 minutes apart; syncs must be at least 15 minutes apart',
      ]));
    it('finds runs close together across midnight on consecutive days', async () => {
      expect(await errorsOf({ strategy: 'cron', expression: '0,55 0,23 * * *' })).toEqual([
        'sync.orders: cron expression "0,55 0,23 * * *" runs 5 minutes apart; syncs must be at least 15 minutes apart',
      ]);
      // Monday 23:55 and Wednesday 00:00 are a day apart: no short gap.
      expect(await scheduleOf({ strategy: 'cron', expression: '0,55 0,23 * * 1,3' })).toMatchObject({
        strategy: 'cron',
      });
    });
    it('rejects an invalid expression', async () =>
      expect(await errorsOf({ strategy: 'cron', expression: '61 * * * *' })).toEqual([
        'sync.orders: invalid cron expression "61 * * * *": Invalid value for minute: 61',
      ]));
    // Validation reads expressions with the agent's library and options (src/config/cron.ts): one the
    // agent cannot schedule is refused here, not discovered when it never fires.
    it('rejects a step larger than its field, which the agent could not schedule', async () =>
      expect(await errorsOf({ strategy: 'cron', expression: '*/90 * * * *' })).toEqual([
        'sync.orders: invalid cron expression "*/90 * * * *": Syntax error, steps cannot be greater than maximum value of part (60)',
      ]));
    it('rejects an expression no date matches', async () =>
      expect(await errorsOf({ strategy: 'cron', expression: '0 0 31 2 *' })).toEqual([
        'sync.orders: invalid cron expression "0 0 31 2 *": no date matches it (it would never run)',
      ]));
    it('accepts what the agent accepts: last day of month, nth weekday, names', async () => {
      for (const expression of ['0 6 L * *', '0 6 * * 1#2', '30 7 * * MON-FRI', '0 */4 * JAN,JUL *'])
        expect(await scheduleOf({ strategy: 'cron', expression })).toMatchObject({ expression });
    });
    it('rejects a wrong number of fields', async () =>
      expect(await errorsOf({ strategy: 'cron', expression: '0 * * *' })).toEqual([
        'sync.orders: invalid cron expression "0 * * *": expected 5 fields, got 4',
      ]));
    it('rejects an unknown timezone', async () =>
      expect(await errorsOf({ strategy: 'cron', expression: '0 * * * *', timezone: 'Mars/Olympus' })).toEqual(
        ['sync.orders: unknown timezone "Mars/Olympus"'],
      ));
  });

  describe('dbt_cloud', () => {
    it('is valid with a dbt Cloud link and a job', async () =>
      expect(await scheduleOf({ strategy: 'dbt_cloud', dbt_cloud: 'main', job_id: 42 })).toEqual({
        strategy: 'dbt_cloud',
        dbt_cloud: 'main',
        job_id: 42,
      }));
    it('requires the job and an existing link', async () => {
      expect(await errorsOf({ strategy: 'dbt_cloud', dbt_cloud: 'main' })).toEqual([
        'missing required field "job_id"',
      ]);
      expect(await errorsOf({ strategy: 'dbt_cloud', dbt_cloud: 'mian', job_id: 1 })).toEqual([
        'sync.orders: dbt_cloud "mian" does not exist; did you mean "main"?',
      ]);
    });
    it('allows at most 5 syncs per model, naming them all', async () => {
      const schedule = { strategy: 'dbt_cloud', dbt_cloud: 'main', job_id: 42 };
      const more = Object.fromEntries(
        [2, 3, 4, 5, 6].map((i) => [`orders_${i}`, { model: 'big_orders', destination: 'crm', schedule }]),
      );
      const found = await problems(withSchedule(schedule, more), env);
      expect(summaries(found)).toEqual([
        'model.big_orders has 6 syncs with a dbt_cloud schedule; at most 5 are allowed: sync.orders, sync.orders_2, sync.orders_3, sync.orders_4, sync.orders_5, sync.orders_6',
      ]);
      expect(found[0]).toMatchObject({ address: 'model.big_orders', path: '$.syncs.orders_6.schedule' });
      expect(found[0].detail?.split('\n')).toHaveLength(7);
    });
    it('allows 5', async () => {
      const schedule = { strategy: 'dbt_cloud', dbt_cloud: 'main', job_id: 42 };
      const more = Object.fromEntries(
        [2, 3, 4, 5].map((i) => [`orders_${i}`, { model: 'big_orders', destination: 'crm', schedule }]),
      );
      expect((await load(withSchedule(schedule, more), env)).resources.size).toBe(9);
    });
  });

  describe('after_sync', () => {
    it('is valid after another sync, which it depends on', async () => {
      const dir = withSchedule(
        { strategy: 'after_sync', sync: 'first' },
        { first: { model: 'big_orders', destination: 'crm' } },
      );
      const sync = (await load(dir, env)).resources.get('sync.orders')!;
      expect(sync.attributes.schedule).toEqual({ strategy: 'after_sync', sync: 'first' });
      expect(sync.dependsOn).toContain('sync.first');
    });
    it('rejects itself', async () =>
      expect(await errorsOf({ strategy: 'after_sync', sync: 'orders' })).toEqual([
        'sync.orders: schedule.sync points at the sync itself',
      ]));
    it('rejects a sync that does not exist', async () =>
      expect(await errorsOf({ strategy: 'after_sync', sync: 'ordrs' })).toEqual([
        'sync.orders: sync "ordrs" does not exist; did you mean "orders"?',
      ]));
  });

  it('rejects an unknown strategy', async () =>
    expect(await errorsOf({ strategy: 'hourly' })).toEqual([
      'invalid value "hourly" for "strategy": expected one of manual, periodic, specific_days, cron, dbt_cloud, after_sync',
    ]));
});
