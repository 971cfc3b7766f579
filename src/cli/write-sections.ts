/**
 * Streams a view made of sections to stdout: the first bytes leave at once and a plan of 20,000 changes
 * is never one string in memory. Pieces are gathered into writes of about 64 KiB (one write per section
 * would cost a system call each), and the writer waits whenever the stream asks it to (a slow pipe).
 */
import { once } from 'node:events';

const CHUNK = 64 * 1024;

export async function writeSections(
  sections: Iterable<string>,
  stream: NodeJS.WritableStream = process.stdout,
  separator = '\n\n',
): Promise<void> {
  let pending: string[] = [];
  let size = 0;
  let first = true;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    size = 0;
    if (!stream.write(text)) await once(stream, 'drain');
  };
  for (const section of sections) {
    if (!first) pending.push(separator);
    first = false;
    pending.push(section);
    size += section.length + separator.length;
    if (size >= CHUNK) await flush();
  }
  pending.push('\n');
  await flush();
}
