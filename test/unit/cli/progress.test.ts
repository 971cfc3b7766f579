/** A refresh that waits on a slow source says so, as Terraform's "Still reading..." does. */
import { refreshHooks } from '../../../src/cli/progress';

test('prints Still refreshing while nothing finishes, and stops when the refresh ends', async () => {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    const hooks = refreshHooks(40);
    hooks.refreshStarted!(2);
    await new Promise((r) => setTimeout(r, 130));
    const waiting = lines.filter((l) => l.startsWith('Still refreshing... ['));
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    expect(waiting[0]).toMatch(/^Still refreshing\.\.\. \[\d+s elapsed, 0\/2 sources read\]\n$/);
    hooks.refreshProgress!(2, 2, 'source.b');
    const after = lines.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.length).toBe(after);
  } finally {
    spy.mockRestore();
  }
});
