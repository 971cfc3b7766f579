import { Writable } from 'node:stream';
import { writeSections } from '../../../src/cli/write-sections';

/** A slow sink: each write completes on a later tick, with a small buffer, so the writer must wait. */
function slowSink(): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.toString());
      setImmediate(done);
    },
  });
  return { stream, writes };
}

describe('writeSections', () => {
  it('writes sections joined by blank lines, ending with a newline', async () => {
    const { stream, writes } = slowSink();
    await writeSections(['a', 'b', 'c'], stream);
    expect(writes.join('')).toBe('a\n\nb\n\nc\n');
  });

  it('starts writing before the last section exists, and waits for a slow stream', async () => {
    const { stream, writes } = slowSink();
    const section = 'x'.repeat(1000);
    let generated = 0;
    let writtenWhenHalfway = -1;
    function* sections(): Generator<string> {
      for (let i = 0; i < 1000; i++) {
        if (i === 500) writtenWhenHalfway = writes.length;
        generated++;
        yield `${i} ${section}`;
      }
    }
    let drains = 0;
    stream.on('drain', () => drains++);
    await writeSections(sections(), stream);
    expect(generated).toBe(1000);
    expect(writtenWhenHalfway).toBeGreaterThan(0);
    expect(drains).toBeGreaterThan(0);
    const expected = Array.from({ length: 1000 }, (_, i) => `${i} ${section}`).join('\n\n') + '\n';
    expect(writes.join('')).toBe(expected);
    // Writes are gathered into chunks, not one per section.
    expect(writes.length).toBeLessThan(100);
  });
});
