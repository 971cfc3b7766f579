/**
 * The HTTP client isomorphic-git uses for HTTPS remotes: Node's http/https with redirects followed here,
 * not by a library, so credentials never follow a redirect to another origin. A redirect to another
 * scheme, host or port drops the Authorization and Cookie headers (the token was given for the origin in
 * config, nowhere else); simple-get, isomorphic-git's default, compares host names only, so
 * https://host → http://host:8080 would re-send the token in clear text.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

const MAX_REDIRECTS = 5;
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

async function collect(body: GitHttpRequest['body']): Promise<Buffer | undefined> {
  if (body === undefined) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function* stream(res: IncomingMessage): AsyncIterableIterator<Uint8Array> {
  for await (const chunk of res) yield chunk as Buffer;
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

/** Whether a redirect leaves the origin the credentials were given for. */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.hostname === b.hostname && a.port === b.port;
}

export const gitHttpsClient: HttpClient = {
  async request(req: GitHttpRequest): Promise<GitHttpResponse> {
    const body = await collect(req.body);
    const origin = new URL(req.url);
    let url = origin;
    let method = req.method ?? 'GET';
    let headers: Record<string, string> = { ...(req.headers ?? {}) };
    let payload = body;
    for (let hop = 0; ; hop += 1) {
      const res = await send(url, method, headers, payload);
      const location = res.headers.location;
      const status = res.statusCode ?? 0;
      if (status < 300 || status >= 400 || location === undefined || hop >= MAX_REDIRECTS) {
        return {
          url: url.toString(),
          method,
          statusCode: status,
          statusMessage: res.statusMessage ?? '',
          body: stream(res),
          headers: Object.fromEntries(
            Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
          ),
        };
      }
      res.resume();
      const next = new URL(location, url);
      if (!sameOrigin(origin, next)) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([k]) => !CREDENTIAL_HEADERS.includes(k.toLowerCase())),
        );
      }
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        method = 'GET';
        payload = undefined;
      }
      url = next;
    }
  },
};
