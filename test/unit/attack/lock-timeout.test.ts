/** `--lock-timeout` takes every unit users write, and refuses what it cannot read (never "do not wait"). */
import { parseDuration } from '../../../src/cli/workspace';
import { UserError } from '../../../src/errors';

test.each([
  ['90s', 90_000],
  ['5m', 300_000],
  ['1h', 3_600_000],
  ['1h30m', 5_400_000],
  ['1m30s', 90_000],
  ['1.5h', 5_400_000],
  ['500ms', 500],
  ['2d', 172_800_000],
  ['45', 45_000],
  [' 10s ', 10_000],
])('%j is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

test.each(['', 'soon', '10 s', '5x', '1h30', 'm5', '-5s', '1e3s', '5m-'])('%j is refused', (text) => {
  expect(() => parseDuration(text)).toThrow(UserError);
  expect(() => parseDuration(text)).toThrow(/--lock-timeout .* is not a duration/);
});

test('no flag means do not wait', () => expect(parseDuration(undefined)).toBeUndefined());
