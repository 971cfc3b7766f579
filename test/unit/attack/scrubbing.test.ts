/** Scrubbing hides whole secret values only; secrets shorter than 4 characters are refused when config is read. */
import { scrubber } from '../../../src/adapters/warehouse/secret-scrub';
import { scrubberFor } from '../../../src/adapters/git/git-secrets';
import { replaceWholeValue } from '../../../src/secret-text';
import { baseConfig, cleanFixtures, fixture, problems, summaries } from '../config/fixtures';

afterAll(cleanFixtures);

test.each([
  [
    'password authentication failed for user "admin"',
    'admin',
    'password authentication failed for user "***"',
  ],
  ['testing the test: test.', 'test', 'testing the ***: ***.'],
  ['postgres://u:hunter22@db/hunter22db', 'hunter22', 'postgres://u:***@db/hunter22db'],
  ['key=s3cr3t!;other=s3cr3t!x', 's3cr3t!', 'key=***;other=***x'],
  ['database analytics_prod does not exist', 'analytics', 'database analytics_prod does not exist'],
  ['ünïcode-secret ünïcode-secretë', 'ünïcode-secret', '*** ünïcode-secretë'],
])('%j hiding %j → %j', (text, secret, expected) => {
  expect(replaceWholeValue(text, secret)).toBe(expected);
});

test('warehouse and Git scrubbers hide the whole value, not parts of other words', () => {
  expect(scrubber(['pass'])('password for pass is wrong')).toBe('password for *** is wrong');
  expect(scrubberFor({ token: 'ghp_abc123' })('token ghp_abc123 refused; ghp_abc1234 is another')).toBe(
    'token *** refused; ghp_abc1234 is another',
  );
});

test.each(['a', 'ab', 'abc', '🔑🔑🔑'])('a %j secret is refused when config is read', async (value) => {
  const dir = fixture({ 'backflow.json': baseConfig() });
  const errors = summaries(
    await problems(dir, { WAREHOUSE_PASSWORD: value, CRM_TOKEN: 'long-enough-token' }),
  );
  expect(errors).toEqual([
    expect.stringContaining(
      'the secret in environment variable WAREHOUSE_PASSWORD is shorter than 4 characters',
    ),
  ]);
  expect(JSON.stringify(errors)).not.toContain(`"${value}"`);
});
