/**
 * The apply journal, independent of where it is stored: one JSON line per finished action after a header
 * line naming the state it applies to. Appending a line costs the size of one resource, never the size of
 * the state, and folding the lines into that state gives what a crashed apply had done.
 *
 * Which journal applies to which state:
 * - header lineage and serial equal the state's: fold it in;
 * - same lineage, older serial: the write that bumped the serial already folded it (a crash between that
 *   write and removing the journal leaves it behind): ignore it, the next write removes it;
 * - no state and header serial 0: the first apply of a workspace crashed before writing any state. The header
 *   carries the new state's lineage and salt, so the state is rebuilt from it (fingerprints stay valid);
 * - anything else belongs to another state: refuse, and let a person decide.
 */
import { MAX_STATE_DEPTH } from '../input/input-limits';
import { describeProblem, jsonTextShape, repeatedKeyProblem } from '../input/json-limits';
import { UserError } from '../errors';
import { BACKFLOW_VERSION } from '../version';
import { canonicalJson } from './stable-json';
import { resourceProblem } from './state';
import {
  STATE_FORMAT_VERSION,
  type JournalBase,
  type JournalEntry,
  type ReadResult,
  type StateFile,
} from './types';

export const JOURNAL_FORMAT = 1;

/**
 * How a user repairs things by hand, in the words of the storage the journal lives in. Defaults are the
 * local backend's files; the pg backend gives SQL.
 */
export interface JournalHints {
  /** A command that moves the journal out of the way, keeping it for inspection (`suffix`: why). */
  setAside(suffix: string): string;
  /** How to restore a state that is missing. */
  restoreState: string;
}

export function fileJournalHints(journalPath: string, statePath: string): JournalHints {
  return {
    setAside: (suffix) => `mv ${journalPath} ${journalPath}.${suffix}`,
    restoreState: `Restore it (from ${statePath}.backup if it is there)`,
  };
}

export interface ParsedJournal {
  /** Null when not even the header line is complete: nothing was recorded. */
  header: JournalBase | null;
  entries: JournalEntry[];
  /** True when the text ends in an incomplete line (a crash mid-append): it is ignored. */
  tornTail: boolean;
}

export function journalHeaderLine(base: JournalBase): string {
  return (
    canonicalJson({ journal: JOURNAL_FORMAT, lineage: base.lineage, serial: base.serial, salt: base.salt }) +
    '\n'
  );
}

/** Canonical, so equal entries cost equal bytes whatever the order their fields were built in. */
export function journalEntryLine(entry: JournalEntry): string {
  return canonicalJson(entry) + '\n';
}

export function sameBase(a: JournalBase, b: JournalBase): boolean {
  return a.lineage === b.lineage && a.serial === b.serial && a.salt === b.salt;
}

/**
 * Parses journal text. Only lines ended by a newline count: each line is written by a single write, so a
 * crash leaves at most one incomplete line, at the end. A complete line that does not parse is corruption.
 */
export function parseJournal(
  text: string,
  where: string,
  hints: JournalHints = fileJournalHints(where, where.replace(/\.journal$/, '')),
): ParsedJournal {
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const corrupt = (line: number, reason: string): UserError =>
    new UserError(
      `State journal ${where} is corrupt at line ${line}: ${reason}`,
      `It holds the actions of an interrupted apply. Move it aside (${hints.setAside('corrupt')}), then run ` +
        '`backflow plan`: actions it recorded show up as drift or as changes to make again.',
    );
  if (lines.length === 0) return { header: null, entries: [], tornTail: tail !== '' };

  const header = parseLine(lines[0]);
  if (
    !isObject(header) ||
    header.journal !== JOURNAL_FORMAT ||
    typeof header.lineage !== 'string' ||
    !Number.isSafeInteger(header.serial) ||
    typeof header.salt !== 'string'
  ) {
    throw corrupt(1, 'the header is not a Backflow journal header');
  }
  const entries: JournalEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    const shape = jsonTextShape(lines[i], MAX_STATE_DEPTH);
    if (shape.problem !== undefined) throw corrupt(i + 1, describeProblem(shape.problem));
    const value = parseLine(lines[i]);
    const repeated =
      value === undefined ? undefined : repeatedKeyProblem(lines[i], { value, members: shape.members });
    if (repeated !== undefined) throw corrupt(i + 1, describeProblem(repeated));
    const problem = entryProblem(value);
    if (problem !== undefined) throw corrupt(i + 1, problem);
    entries.push(value as JournalEntry);
  }
  return {
    header: { lineage: header.lineage, serial: header.serial as number, salt: header.salt },
    entries,
    tornTail: tail !== '',
  };
}

/** The state with the entries applied in order; `state` is not modified. */
export function foldJournal(state: StateFile, entries: readonly JournalEntry[]): StateFile {
  const resources = { ...state.resources };
  for (const entry of entries) {
    if (entry.op === 'put') resources[entry.address] = entry.resource;
    else delete resources[entry.address];
  }
  return { ...state, resources };
}

/**
 * Applies the rules in the header comment. `journalWhere` and `stateWhere` name the storage in messages.
 * The serial is left unchanged: the caller writes serial + 1 at the end of its operation.
 */
export function recoverFromJournal(
  state: StateFile | null,
  journal: ParsedJournal,
  journalWhere: string,
  stateWhere: string,
  hints: JournalHints = fileJournalHints(journalWhere, stateWhere),
): ReadResult {
  const header = journal.header;
  if (header === null) return { state, recoveredJournalEntries: 0 };

  if (state === null) {
    if (header.serial === 0) {
      if (journal.entries.length === 0) return { state: null, recoveredJournalEntries: 0 };
      const base: StateFile = {
        format_version: STATE_FORMAT_VERSION,
        backflow_version: BACKFLOW_VERSION,
        lineage: header.lineage,
        serial: 0,
        salt: header.salt,
        resources: {},
      };
      return { state: foldJournal(base, journal.entries), recoveredJournalEntries: journal.entries.length };
    }
    throw new UserError(
      `State ${stateWhere} is missing, but the journal ${journalWhere} belongs to serial ${header.serial} of ` +
        `lineage ${header.lineage}`,
      `The state was removed after an interrupted apply. ${hints.restoreState} ` +
        `and run the command again; or, to start over, move the journal aside: ${hints.setAside('orphaned')}`,
    );
  }

  const fit = journalFit(header, state);
  if (fit === 'applies') {
    return { state: foldJournal(state, journal.entries), recoveredJournalEntries: journal.entries.length };
  }
  if (fit === 'stale') return { state, recoveredJournalEntries: 0 };
  throw foreignJournalError(journalWhere, header, state, stateWhere, hints);
}

/** How a journal with `header` relates to the state `base` (see the rules at the top of this file). */
export function journalFit(header: JournalBase, base: JournalBase): 'applies' | 'stale' | 'foreign' {
  if (sameBase(header, base)) return 'applies';
  if (header.lineage === base.lineage && header.serial < base.serial) return 'stale';
  return 'foreign';
}

export function foreignJournalError(
  journalWhere: string,
  header: JournalBase,
  state: JournalBase,
  stateWhere: string,
  hints: JournalHints = fileJournalHints(journalWhere, stateWhere),
): UserError {
  return new UserError(
    `State journal ${journalWhere} does not belong to the state in ${stateWhere}: the journal is for lineage ` +
      `${header.lineage} serial ${header.serial}, the state is lineage ${state.lineage} serial ${state.serial}`,
    'It was left by an interrupted apply against another state. If the state was replaced on purpose, move ' +
      `the journal aside (${hints.setAside('orphaned')}) and run \`backflow plan\`.`,
  );
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function entryProblem(value: unknown): string | undefined {
  if (!isObject(value) || typeof value.address !== 'string') return 'not a journal entry';
  if (value.op === 'delete') return undefined;
  if (value.op !== 'put') return `unknown operation ${JSON.stringify(value.op)}`;
  const problem = resourceProblem(value.address, value.resource);
  return problem === undefined ? undefined : `resource ${value.address}: ${problem}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
