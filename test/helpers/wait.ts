/**
 * Waiting for a condition instead of for a fixed time: a test that sleeps 200 ms passes on an idle laptop
 * and fails on a loaded CI runner. `waitFor` polls until `condition` holds, giving up after a generous,
 * stated timeout with a message naming what did not happen.
 */
import { connect } from 'node:net';

export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, everyMs = 20 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Whether a TCP connection to host:port is refused (the server is down). */
export function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
