/**
 * Records the text of the messages `pg` clients send, for tests that check what went over the wire (one
 * message per batch, no statement a warehouse lacks). `keep` picks them by text and the client's user, so
 * a test's own queries can be left out.
 */
import { Client } from 'pg';

export interface SentSql {
  /** The texts kept, in the order sent. */
  readonly sent: string[];
  restore(): void;
}

export function recordSentSql(keep: (text: string, user: string | undefined) => boolean): SentSql {
  const sent: string[] = [];
  const original = Client.prototype.query;
  const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (
    this: Client,
    ...args: any[]
  ) {
    const text: unknown = typeof args[0] === 'string' ? args[0] : args[0]?.text;
    const user = (this as unknown as { connectionParameters?: { user?: string } }).connectionParameters?.user;
    if (typeof text === 'string' && keep(text, user)) sent.push(text);
    return (original as any).apply(this, args);
  });
  return { sent, restore: () => spy.mockRestore() };
}
