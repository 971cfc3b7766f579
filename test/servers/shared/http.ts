/**
 * The HTTP plumbing the destination test servers (segment, hubspot, webhook) share: a loopback listener
 * that counts requests in flight (so a test can wait until a stalled request is answered) and can close
 * while clients keep connections alive, a body reader with an optional cap, and a JSON answer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LoopbackHttp {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Resolves once no request is being handled (a stalled one included). */
  idle(): Promise<void>;
  /** Closes the listener and destroys kept-alive connections. */
  close(): Promise<void>;
}

/**
 * Serves `handle` on 127.0.0.1 on a free port. A handler that throws gets its connection destroyed, as a
 * crashed server's would be: the client sees a reset, not an answer.
 */
export async function listenLoopback(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>,
): Promise<LoopbackHttp> {
  const sockets = new Set<Socket>();
  let busy = 0;
  const server = createServer((req, res) => {
    busy += 1;
    handle(req, res)
      .catch(() => res.destroy())
      .finally(() => (busy -= 1));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async idle() {
      while (busy > 0) await new Promise((r) => setTimeout(r, 10));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The whole request body; with `max`, `'too_large'` once it passes `max` bytes (read to the end anyway). */
export function readBody(req: IncomingMessage): Promise<Buffer>;
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too_large'>;
export function readBody(req: IncomingMessage, max = Infinity): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? 'too_large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Answers with `body` as JSON (a string is sent as is, for malformed-body faults). */
export function answerJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}
