/**
 * A fake Postgres that asks every client for its password in cleartext and records what it receives: the
 * server an attacker would point a pull request's source at. Speaks just enough of the protocol (SSL
 * request refused, StartupMessage, AuthenticationCleartextPassword, PasswordMessage, then an error).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface FakePostgres {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Passwords clients sent. */
  passwords: string[];
  close(): Promise<void>;
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function errorResponse(text: string): Buffer {
  const fields = Buffer.from(`SFATAL\0C28P01\0M${text}\0\0`, 'utf8');
  return message('E', fields);
}

export async function startFakePostgres(): Promise<FakePostgres> {
  const sockets = new Set<Socket>();
  const fake: FakePostgres = { port: 0, connections: 0, passwords: [], close: async () => undefined };
  const server: Server = createServer((socket) => {
    fake.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          if (code === 80877103 || code === 80877104) {
            socket.write('N'); // no SSL, no GSS: go on in plain text
            continue;
          }
          started = true;
          const ask = Buffer.alloc(4);
          ask.writeInt32BE(3, 0); // AuthenticationCleartextPassword
          socket.write(message('R', ask));
          continue;
        }
        if (buffer.length < 5) return;
        const length = buffer.readInt32BE(1);
        if (buffer.length < length + 1) return;
        const type = String.fromCharCode(buffer[0]);
        const body = buffer.subarray(5, length + 1);
        buffer = buffer.subarray(length + 1);
        if (type === 'p') {
          fake.passwords.push(body.toString('utf8').replace(/\0$/, ''));
          socket.end(errorResponse('password authentication failed'));
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fake;
}
