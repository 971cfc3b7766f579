/**
 * The write guard every backend applies: a new state must continue the stored one (same lineage, higher
 * serial). Anything else means two runs wrote without a common lock, and the later one would silently lose
 * the other's work.
 */
import { UserError } from '../errors';
import type { StateFile } from './types';

export type StateIdentity = Pick<StateFile, 'lineage' | 'serial'>;

export function checkSuccessor(current: StateIdentity, next: StateIdentity, where: string): void {
  if (current.lineage !== next.lineage) {
    throw new UserError(
      `Refusing to write state to ${where}: it holds lineage ${current.lineage}, not ${next.lineage}`,
      'The state was replaced while this command ran. Run the command again.',
    );
  }
  if (current.serial >= next.serial) {
    throw alreadyAtSerial(next.serial, current.serial, where);
  }
}

export function alreadyAtSerial(next: number, current: number | string, where: string): UserError {
  return new UserError(
    `Refusing to write state serial ${next} to ${where}: it is already at serial ${current}`,
    'Another run wrote the state while this command ran (was it run without the lock?). Run the command again.',
  );
}
