/**
 * Git over SSH for isomorphic-git, which only speaks smart HTTP: an HTTP client plugin that answers
 * isomorphic-git's two smart-HTTP requests with `git-upload-pack '<path>'` run in an exec channel of one
 * `ssh2` connection.
 *
 *   GET  …/info/refs?service=git-upload-pack  → start upload-pack, return its reference advertisement
 *                                              behind the `# service=` line smart HTTP adds, and keep the
 *                                              channel waiting;
 *   POST …/git-upload-pack                    → write the request (wants, shallows, deepen, haves, done)
 *                                              to that waiting upload-pack (or a new one, its advertisement
 *                                              skipped) and stream its answer.
 *
 * A waiting upload-pack nobody posts to gets a flush-pkt ("nothing wanted") and exits cleanly. So a sync is
 * one SSH connection and one upload-pack process, as with `git fetch` over SSH.
 *
 * The request body isomorphic-git sends is a complete stateless-RPC request ending in `done`, which
 * upload-pack's stateful SSH mode reads the same way and answers with the same bytes. The private key
 * stays in memory (ssh2 parses it); the host key is checked against the configured known_hosts content.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { UserError } from '../../errors';
import {
  checkHostKey,
  knownHostsName,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  type HostKeyVerdict,
} from './git-known-hosts';
import type { SshLocation } from './git-location';
import { FLUSH_PKT, PktErrorLine, advertisementEnd, pktLine } from './git-pkt-line';
import { scrubbedError, type Scrub } from './git-secrets';
import { readPrivateKey, type PrivateKeyInfo } from './git-ssh-key';
import { loadSsh2, type Ssh2Channel, type Ssh2Client } from './git-ssh2-types';
import type { GitCredentials } from './git-types';
import type { RemoteTransport } from './git-transport';

const READY_TIMEOUT_MS = 20_000;

/** What happened to one exec channel: its exit code and what it wrote on stderr, once closed. */
interface ChannelEnd {
  code: number | null;
  stderr: string;
  closed: Promise<void>;
}

export class SshTransport implements RemoteTransport {
  /** A placeholder isomorphic-git accepts; the plugin ignores its host. */
  readonly url = 'http://ssh-transport.backflow.invalid/repository.git';
  readonly headers: Record<string, string> = {};
  readonly display: string;
  readonly http: HttpClient;
  private connection?: Promise<Ssh2Client>;
  private client?: Ssh2Client;
  private hostKeyProblem?: Exclude<HostKeyVerdict, { status: 'trusted' }>;
  /** An upload-pack that has sent its advertisement and waits for a request. */
  private pending?: { channel: Ssh2Channel; rest: Buffer; end: ChannelEnd };

  constructor(
    private readonly location: SshLocation,
    private readonly credentials: GitCredentials | undefined,
    private readonly scrub: Scrub,
  ) {
    this.display = location.display;
    this.http = { request: (req) => this.request(req) };
  }

  close(): void {
    this.releasePending();
    this.client?.end();
    this.client = undefined;
    this.connection = undefined;
  }

  /** Tells a waiting upload-pack we want nothing (a flush-pkt), so it exits cleanly. */
  private releasePending(): void {
    if (!this.pending) return;
    this.pending.channel.end(FLUSH_PKT);
    this.pending.channel.resume();
    this.pending = undefined;
  }

  private command(): string {
    return `git-upload-pack '${this.location.path.replace(/'/g, `'\\''`)}'`;
  }

  private async request(req: GitHttpRequest): Promise<GitHttpResponse> {
    const url = req.url;
    if ((req.method ?? 'GET') === 'GET' && url.endsWith('/info/refs?service=git-upload-pack')) {
      this.releasePending();
      const channel = await this.exec();
      const { advertisement, rest, end } = await this.readAdvertisement(channel);
      // Kept open: the upload-pack request that usually follows goes to this same process.
      this.pending = { channel, rest, end };
      return response(
        url,
        'application/x-git-upload-pack-advertisement',
        bodyOf([pktLine('# service=git-upload-pack\n'), FLUSH_PKT, advertisement]),
      );
    }
    if (req.method === 'POST' && url.endsWith('/git-upload-pack')) {
      const request: Buffer[] = [];
      for await (const chunk of req.body ?? []) request.push(Buffer.from(chunk));
      let session = this.pending;
      this.pending = undefined;
      if (!session) {
        const channel = await this.exec();
        session = { channel, ...(await this.readAdvertisement(channel)) };
      }
      session.channel.end(Buffer.concat(request));
      return response(
        url,
        'application/x-git-upload-pack-result',
        this.streamRest(session.channel, session.rest, session.end),
      );
    }
    return {
      url,
      method: req.method,
      statusCode: 404,
      statusMessage: 'Not Found',
      headers: {},
      body: bodyOf([]),
    };
  }

  private async *streamRest(
    channel: Ssh2Channel,
    rest: Buffer,
    end: ChannelEnd,
  ): AsyncIterableIterator<Uint8Array> {
    if (rest.length > 0) yield rest;
    for await (const chunk of channel) yield chunk as Buffer;
    await end.closed; // the exit status may arrive after the last byte
    if (end.code !== null && end.code !== 0) throw this.remoteCommandError(end);
  }

  private connect(): Promise<Ssh2Client> {
    if (this.connection) return this.connection;
    const ssh2 = loadSsh2();
    const { location, credentials, scrub } = this;
    const key = readPrivateKey(ssh2, credentials, scrub, location.display);
    const known = parseKnownHosts(credentials?.known_hosts);
    const name = knownHostsName(location.host, location.port);
    const preferred = preferredHostKeyAlgorithms(known, name);
    const insecure = credentials?.insecure_ignore_host_key === true;
    const client = new ssh2.Client();
    this.client = client;
    this.connection = new Promise<Ssh2Client>((resolve, reject) => {
      let ready = false;
      client.on('ready', () => {
        ready = true;
        resolve(client);
      });
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (!ready) reject(this.connectError(err, key));
      });
      client.on('close', () => {
        if (!ready) reject(this.connectError(new Error('connection closed during the SSH handshake'), key));
      });
      client.connect({
        host: location.host,
        port: location.port,
        username: location.user,
        privateKey: credentials?.private_key ?? '',
        passphrase: credentials?.passphrase || undefined,
        readyTimeout: READY_TIMEOUT_MS,
        ident: 'Backflow',
        ...(preferred.length > 0
          ? { algorithms: { serverHostKey: { remove: preferred, prepend: preferred } } }
          : {}),
        hostVerifier: (blob: Buffer) => {
          if (insecure) return true;
          const verdict = checkHostKey(known, name, blob);
          if (verdict.status === 'trusted') return true;
          this.hostKeyProblem = verdict;
          return false;
        },
      });
      // Small packets (channel requests, the upload-pack request) go out at once, not after a delayed ACK.
      client.setNoDelay(true);
    });
    // A failed connection is not cached: the next call reports the same problem afresh.
    this.connection.catch(() => (this.connection = undefined));
    return this.connection;
  }

  private async exec(): Promise<Ssh2Channel> {
    const client = await this.connect();
    return new Promise((resolve, reject) => {
      client.exec(this.command(), (err, channel) => {
        if (err) {
          reject(
            scrubbedError(
              this.scrub,
              `Git repository ${this.display}: the SSH server refused to run git-upload-pack (${err.message})`,
              'The account may be restricted to other commands; check the server allows Git access for this key.',
            ),
          );
        } else resolve(channel);
      });
    });
  }

  /**
   * Reads a channel's reference advertisement (up to its flush-pkt). Resolves what came after it and a
   * live record of the channel's exit code and stderr.
   */
  private readAdvertisement(
    channel: Ssh2Channel,
  ): Promise<{ advertisement: Buffer; rest: Buffer; end: ChannelEnd }> {
    const end: ChannelEnd = {
      code: null,
      stderr: '',
      closed: new Promise((resolve) => channel.once('close', () => resolve())),
    };
    channel.stderr.on('data', (d: Buffer) => (end.stderr += d.toString('utf8')));
    channel.on('exit', (code: number | null) => (end.code = code));
    return new Promise((resolve, reject) => {
      let buf = Buffer.alloc(0);
      let settled = false;
      const onData = (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        let at: number | undefined;
        try {
          at = advertisementEnd(buf);
        } catch (err) {
          settled = true;
          channel.off('data', onData);
          channel.destroy();
          reject(
            err instanceof PktErrorLine
              ? this.remoteCommandError({ ...end, code: 1, stderr: err.serverMessage })
              : scrubbedError(
                  this.scrub,
                  `Git repository ${this.display}: the SSH server does not speak Git (${(err as Error).message})`,
                ),
          );
          return;
        }
        if (at === undefined) return;
        settled = true;
        channel.off('data', onData);
        channel.pause();
        resolve({ advertisement: buf.subarray(0, at), rest: buf.subarray(at), end });
      };
      channel.on('data', onData);
      channel.once('close', () => {
        if (!settled) reject(this.remoteCommandError(end));
      });
    });
  }

  private remoteCommandError(end: Pick<ChannelEnd, 'code' | 'stderr'>): UserError {
    const said = end.stderr.trim().split(/\r?\n/).filter(Boolean).join(' / ');
    const where = `${this.location.user}@${this.location.host}${this.location.port === 22 ? '' : `:${this.location.port}`}`;
    if (
      /not a git repository|does not appear to be a git repository|repository not found|no such file|does not exist|not found/i.test(
        said,
      )
    ) {
      return scrubbedError(
        this.scrub,
        `Git repository ${this.display} not found on ${where}${said ? ` (the server said: ${said})` : ''}`,
        'Check the path in the URL, and that this key has read access to the repository (a deploy key on it, or a user key of a member).',
      );
    }
    if (/command not found|git-upload-pack: not found/i.test(said)) {
      return scrubbedError(
        this.scrub,
        `Git repository ${this.display}: ${where} has no git-upload-pack (${said})`,
        'Is this a Git server? Install git on it, or check the host.',
      );
    }
    return scrubbedError(
      this.scrub,
      `Git repository ${this.display}: git-upload-pack on ${where} failed${end.code !== null ? ` (exit ${end.code})` : ''}${said ? `: ${said}` : ''}`,
    );
  }

  private connectError(err: Error & { level?: string; code?: string }, key: PrivateKeyInfo): UserError {
    const { location } = this;
    const where = `${location.host}:${location.port}`;
    if (this.hostKeyProblem) return this.hostKeyError(this.hostKeyProblem);
    if (err.level === 'client-authentication') {
      return scrubbedError(
        this.scrub,
        `Git repository ${this.display}: SSH authentication failed: ${where} refused the private key ` +
          `(${key.type} ${key.publicFingerprint}) for user "${location.user}"`,
        "Add this key's public half (`ssh-keygen -y -f KEYFILE`) to the repository as a read-only deploy key, " +
          'or to an account that can read it; check the user in the URL (usually "git").',
      );
    }
    const code = err.code ?? '';
    if (err.level === 'client-timeout' || code === 'ETIMEDOUT') {
      return scrubbedError(
        this.scrub,
        `Cannot reach the Git repository ${this.display}: no SSH answer from ${where} within ${READY_TIMEOUT_MS / 1000} s`,
        'Check the host and port, and that a firewall or proxy lets SSH through.',
      );
    }
    if (err.level === 'client-dns' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return scrubbedError(
        this.scrub,
        `Cannot reach the Git repository ${this.display}: host ${location.host} not found (${code || 'DNS'})`,
        "Check the host name in the URL and this machine's DNS.",
      );
    }
    if (err.level === 'client-socket' || /^E[A-Z]+/.test(code)) {
      const what = code === 'ECONNREFUSED' ? 'connection refused' : err.message;
      return scrubbedError(
        this.scrub,
        `Cannot reach the Git repository ${this.display}: ${what}${code && !what.includes(code) ? ` (${code})` : ''} at ${where}`,
        'Check the host and port in the URL, that the SSH server is up, and that no firewall blocks it.',
      );
    }
    return scrubbedError(
      this.scrub,
      `Git repository ${this.display}: SSH connection to ${where} failed: ${err.message}`,
    );
  }

  private hostKeyError(v: Exclude<HostKeyVerdict, { status: 'trusted' }>): UserError {
    const { location } = this;
    const name = knownHostsName(location.host, location.port);
    const line = `${name} ${v.keyType} ${v.keyBase64}`;
    const scan = `ssh-keyscan -t ${v.keyType.replace(/^ssh-/, '').replace(/^ecdsa-sha2-nistp\d+$/, 'ecdsa')}${location.port === 22 ? '' : ` -p ${location.port}`} ${location.host}`;
    if (v.status === 'unknown') {
      const configured = this.credentials?.known_hosts?.trim() ? 'is not in' : 'cannot be checked: no';
      return scrubbedError(
        this.scrub,
        `Git repository ${this.display}: host key verification failed: the ${v.keyType} key of ${name} ` +
          `(${v.fingerprint}) ${configured} credentials.known_hosts`,
        `If ${v.fingerprint} is the server's fingerprint (compare it with what the Git service publishes, or ` +
          `\`ssh-keygen -lf\` of the server's host key), pin it with this line in credentials.known_hosts:\n  ${line}\n` +
          `(\`${scan}\` prints it; verify the fingerprint before trusting it). ` +
          '"insecure_ignore_host_key": true skips the check, and lets a man in the middle read your repository.',
      );
    }
    return scrubbedError(
      this.scrub,
      `Git repository ${this.display}: host key verification failed: the ${v.keyType} key of ${name} is now ${v.fingerprint}, ` +
        (v.status === 'revoked'
          ? 'a key marked @revoked in credentials.known_hosts'
          : 'not the key pinned in credentials.known_hosts') +
        ': someone may be intercepting the connection, or the server changed its key',
      "Confirm the new fingerprint with the server's administrators before replacing the pinned line with:\n  " +
        line,
    );
  }
}

function response(
  url: string,
  contentType: string,
  body: AsyncIterableIterator<Uint8Array>,
): GitHttpResponse {
  return {
    url,
    method: 'GET',
    statusCode: 200,
    statusMessage: 'OK',
    headers: { 'content-type': contentType },
    body,
  };
}

async function* bodyOf(chunks: Uint8Array[]): AsyncIterableIterator<Uint8Array> {
  for (const c of chunks) yield c;
}
