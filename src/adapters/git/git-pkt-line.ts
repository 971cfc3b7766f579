/**
 * Just enough of Git's pkt-line framing to carry the smart protocol over an SSH channel: find the end of
 * the reference advertisement, and write the lines smart HTTP adds in front of it.
 */

export const FLUSH_PKT = Buffer.from('0000', 'latin1');

export function pktLine(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0'), 'latin1'), payload]);
}

/** The server sent `ERR <message>` instead of an advertisement. */
export class PktErrorLine extends Error {
  constructor(readonly serverMessage: string) {
    super(serverMessage);
  }
}

/**
 * The offset just after the flush-pkt that ends the reference advertisement at the start of `buf`, or
 * undefined while more bytes are needed. Throws PktErrorLine for an `ERR` line, Error for bad framing.
 */
export function advertisementEnd(buf: Buffer): number | undefined {
  let pos = 0;
  for (;;) {
    if (buf.length < pos + 4) return undefined;
    const header = buf.toString('latin1', pos, pos + 4);
    if (!/^[0-9a-f]{4}$/i.test(header)) throw new Error(`bad pkt-line header ${JSON.stringify(header)}`);
    const len = parseInt(header, 16);
    if (len === 0) return pos + 4;
    if (len < 4) throw new Error(`unexpected pkt-line ${header} in a reference advertisement`);
    if (buf.length < pos + len) return undefined;
    const payload = buf.toString('utf8', pos + 4, pos + len);
    if (payload.startsWith('ERR ')) throw new PktErrorLine(payload.slice(4).trim());
    pos += len;
  }
}
