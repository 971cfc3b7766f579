import {
  foldJournal,
  journalEntryLine,
  journalHeaderLine,
  parseJournal,
  recoverFromJournal,
} from '../../../src/state/journal';
import { newState } from '../../../src/state/state';
import { ciRunUrl } from '../../../src/state/lock-info';
import type { JournalEntry } from '../../../src/state/types';
import { resource, stateWith } from './builders';

const put = (n: string): JournalEntry => ({
  op: 'put',
  address: `model.${n}`,
  resource: resource('model', n),
});

describe('journal format', () => {
  const base = stateWith(1, 4);
  const text =
    journalHeaderLine(base) +
    journalEntryLine(put('a')) +
    journalEntryLine({ op: 'delete', address: 'model.m0' });

  it('parses complete lines and drops a torn tail', () => {
    const torn = text + journalEntryLine(put('b')).slice(0, 20);
    const parsed = parseJournal(torn, 'j');
    expect(parsed.header).toEqual({ lineage: base.lineage, serial: 4, salt: base.salt });
    expect(parsed.entries).toHaveLength(2);
    expect(parsed.tornTail).toBe(true);
  });

  it('treats a journal whose header never finished as empty', () => {
    expect(parseJournal(journalHeaderLine(base).slice(0, 10), 'j')).toEqual({
      header: null,
      entries: [],
      tornTail: true,
    });
    expect(parseJournal('', 'j')).toEqual({ header: null, entries: [], tornTail: false });
  });

  it('refuses a damaged line that is not the last, naming the line', () => {
    expect(() => parseJournal(text + 'x\n' + journalEntryLine(put('c')), 'state.json.journal')).toThrow(
      'State journal state.json.journal is corrupt at line 4',
    );
    expect(() => parseJournal('{"not":"a header"}\n', 'j')).toThrow(/line 1/);
  });

  it('writes equal entries as equal bytes whatever their key order', () => {
    const e = put('a') as { op: 'put'; address: string; resource: ReturnType<typeof resource> };
    const reordered = { resource: { ...e.resource }, address: e.address, op: e.op } as JournalEntry;
    expect(journalEntryLine(reordered)).toBe(journalEntryLine(e));
  });

  it('folds puts and deletes in order without touching the input', () => {
    const folded = foldJournal(base, [
      put('a'),
      { op: 'delete', address: 'model.a' },
      put('b'),
      { op: 'delete', address: 'model.none' },
    ]);
    expect(Object.keys(folded.resources).sort()).toEqual(['model.b', 'model.m0', 'source.warehouse']);
    expect(base.resources['model.b']).toBeUndefined();
  });

  it('recovers nothing from a first-apply journal with no entries', () => {
    const parsed = parseJournal(journalHeaderLine(newState()), 'j');
    expect(recoverFromJournal(null, parsed, 'j', 's')).toEqual({ state: null, recoveredJournalEntries: 0 });
  });

  it('refuses a journal past serial 0 when the state is missing', () => {
    const parsed = parseJournal(text, 'j');
    expect(() => recoverFromJournal(null, parsed, 'j', 's')).toThrow(
      /State s is missing, but the journal j belongs to serial 4/,
    );
  });

  it('refuses a journal ahead of the state', () => {
    const parsed = parseJournal(text, 'j');
    expect(() => recoverFromJournal({ ...base, serial: 3 }, parsed, 'j', 's')).toThrow(/does not belong/);
  });
});

describe('ciRunUrl', () => {
  it('links GitHub Actions and GitLab runs', () => {
    expect(
      ciRunUrl({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'a/b', GITHUB_RUN_ID: '7' }),
    ).toBe('https://github.com/a/b/actions/runs/7');
    expect(ciRunUrl({ CI_JOB_URL: 'https://gitlab.com/a/b/-/jobs/9' })).toBe(
      'https://gitlab.com/a/b/-/jobs/9',
    );
    expect(ciRunUrl({})).toBeUndefined();
  });
});
