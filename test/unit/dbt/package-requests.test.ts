/**
 * What packages.yml / dependencies.yml / package-lock.yml ask `dbt deps` to install, as readPackageRequests
 * reads it: lock entries replace the entries they pin, lock-only entries (the packages' own dependencies)
 * are added, hub names map to Git repositories, and bad entries are warnings naming the file and line.
 */
import { hubRepository, readPackageRequests } from '../../../src/adapters/dbt';
import { memoryFiles, project } from './helpers';

describe('package requests', () => {
  it('pins packages.yml entries by package-lock.yml and adds the lock-only (transitive) packages', async () => {
    const { requests, warnings } = await readPackageRequests(
      memoryFiles(
        project({
          'packages.yml':
            'packages:\n  - package: calogica/dbt_expectations\n    version: [">=0.10.0", "<0.11.0"]\n  - git: https://example.com/kit.git\n    revision: main\n',
          'package-lock.yml':
            'packages:\n  - package: calogica/dbt_expectations\n    version: 0.10.4\n  - package: calogica/dbt_date\n    version: 0.10.1\n  - git: https://EXAMPLE.com/kit\n    revision: 0123456789abcdef0123456789abcdef01234567\nsha1_hash: abc\n',
        }),
      ),
      '.',
    );
    expect(warnings).toEqual([]);
    expect(
      requests.map((r) => [r.kind, r.kind === 'hub' ? r.versions : r.kind === 'git' ? r.revision : r.path]),
    ).toEqual([
      ['hub', ['0.10.4']],
      ['git', '0123456789abcdef0123456789abcdef01234567'],
      ['hub', ['0.10.1']],
    ]);
    expect(requests.map((r) => r.origin.file)).toEqual([
      'package-lock.yml',
      'package-lock.yml',
      'package-lock.yml',
    ]);
  });

  it('warns about entries it cannot install, naming the file and line', async () => {
    const { requests, warnings } = await readPackageRequests(
      memoryFiles(
        project({
          'packages.yml':
            'packages:\n  - tarball: https://example.com/p.tgz\n    name: p\n  - package: not-a-hub-name\n  - foo: bar\n',
        }),
      ),
      '.',
    );
    expect(requests).toEqual([]);
    expect(warnings.map((w) => [w.line, w.message.replace(/:.*/, '')])).toEqual([
      [2, 'packages.yml line 2'],
      [4, 'packages.yml line 4'],
      [5, 'packages.yml line 5'],
    ]);
    expect(warnings[0].message).toMatch(/tarball packages are not fetched/);
  });

  it('maps hub names to their Git repositories', () => {
    expect(hubRepository('dbt-labs/dbt_utils')).toBe('https://github.com/dbt-labs/dbt-utils.git');
    expect(hubRepository('fivetran/hubspot')).toBe('https://github.com/fivetran/dbt_hubspot.git');
    expect(hubRepository('someone/unknown')).toBeUndefined();
  });
});
