import { parseDbtignore } from '../../../src/adapters/dbt/dbtignore';

describe('.dbtignore (gitignore syntax)', () => {
  const cases: [string, string, boolean][] = [
    ['*.tmp.sql', 'models/a.tmp.sql', true],
    ['*.tmp.sql', 'models/deep/er/a.tmp.sql', true], // no slash: any depth
    ['*.tmp.sql', 'models/a.sql', false],
    ['models/scratch/', 'models/scratch/a.sql', true], // a folder and all inside it
    ['models/scratch/', 'models/scratch/deep/a.sql', true],
    ['models/scratch/', 'models/scratchpad/a.sql', false],
    ['scratch/', 'models/scratch/a.sql', true], // no inner slash: a folder at any depth
    ['/scratch', 'models/scratch/a.sql', false], // leading slash: anchored to the project folder
    ['/scratch', 'scratch/a.sql', true],
    ['models/*.sql', 'models/a.sql', true],
    ['models/*.sql', 'models/sub/a.sql', false], // * does not cross folders
    ['models/**/*.sql', 'models/a.sql', true], // **/ matches zero folders too
    ['models/**/*.sql', 'models/x/y/a.sql', true],
    ['**/legacy', 'models/staging/legacy/a.sql', true],
    ['models/**', 'models/a.sql', true],
    ['model?.sql', 'models/modelA.sql', true],
    ['[ab].sql', 'models/a.sql', true],
    ['[!ab].sql', 'models/a.sql', false],
    ['\\#hash.sql', 'models/#hash.sql', true],
  ];
  it.each(cases)('%s on %s → %s', (pattern, path, ignored) => {
    expect(parseDbtignore(`${pattern}\n`).ignores(path)).toBe(ignored);
  });

  it('handles comments, blank lines and negation, with the last matching pattern winning', () => {
    const m = parseDbtignore('# comment\n\n*_wip.sql\n!keep_wip.sql\n');
    expect(m.ignores('models/a_wip.sql')).toBe(true);
    expect(m.ignores('models/keep_wip.sql')).toBe(false);
    expect(m.ignores('models/comment')).toBe(false);
  });

  it('never re-includes a file inside an ignored folder (as Git)', () => {
    const m = parseDbtignore('models/scratch/\n!models/scratch/keep.sql\n');
    expect(m.ignores('models/scratch/keep.sql')).toBe(true);
  });

  it('can re-include a folder', () => {
    const m = parseDbtignore('models/*\n!models/keep/\n');
    expect(m.ignores('models/a.sql')).toBe(true);
    expect(m.ignores('models/keep/b.sql')).toBe(false);
  });
});
