/** Run ids sort by start time (the ledger lists newest first by id too) and are unique across agents. */
import { randomBytes } from 'node:crypto';

export function newRunId(now: Date = new Date()): string {
  const t = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `run_${t}_${randomBytes(4).toString('hex')}`;
}
