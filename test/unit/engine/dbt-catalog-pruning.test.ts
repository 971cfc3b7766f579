/**
 * Cached catalogs of old commits are pruned: every sync keeps its own commit's catalog and the newest
 * others, up to CATALOGS_KEPT per Git sync; other files of the folder (the loader cache) are left alone.
 */
import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOGS_KEPT, pruneCatalogs } from '../../../src/engine/dbt-catalogs';

it('keeps the current commit and the newest others, removing older catalogs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'backflow-prune-'));
  const commits = Array.from({ length: 9 }, (_, i) => `${i}`.repeat(40));
  commits.forEach((c, i) => {
    const f = join(dir, `catalog-${c}.json`);
    writeFileSync(f, '{}');
    utimesSync(f, 1_000_000 + i, 1_000_000 + i); // commit i written at time i
  });
  writeFileSync(join(dir, 'loader-cache.json'), '{}');
  // The current commit is an old one (a branch moved back): it is kept as well.
  pruneCatalogs(dir, commits[0]);
  const left = readdirSync(dir).sort();
  expect(left).toEqual(
    [
      'loader-cache.json',
      `catalog-${commits[0]}.json`,
      ...commits.slice(9 - (CATALOGS_KEPT - 1)).map((c) => `catalog-${c}.json`),
    ].sort(),
  );
  expect(existsSync(join(dir, `catalog-${commits[1]}.json`))).toBe(false);
});
