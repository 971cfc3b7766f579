/**
 * One sync's conversation with a smart-HTTP client plugin (HTTPS, or the SSH bridge), with two changes
 * to what isomorphic-git asks for:
 *
 * 1. The reference advertisement is fetched once per session: isomorphic-git's fetch discovers the refs
 *    again after we listed them, which costs a round trip (over SSH, a new upload-pack process). Reusing
 *    it also guarantees the commit fetched is the head we listed.
 *
 * 2. Thin packs on incremental fetches. isomorphic-git never requests the `thin-pack` capability
 * (packs it stores must stay readable by canonical git), and without it upload-pack answers a shallow
 * `deepen 1` fetch with the whole tree again: 3,000 objects for a one-file change instead of a handful.
 * A thin pack holds deltas against objects the client already has; isomorphic-git indexes and reads such
 * packs (it resolves their external bases from the repository), and the cache is only ever read by it.
 *
 * The session notes whether the server advertised `thin-pack`, and adds it to the first `want` line of an
 * upload-pack request that has `have`s.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

export function smartSession(inner: HttpClient): HttpClient {
  let serverOffersThinPack = false;
  let discovery: { res: GitHttpResponse; body: Buffer } | undefined;
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      if ((req.method ?? 'GET') === 'GET' && req.url.endsWith('/info/refs?service=git-upload-pack')) {
        if (discovery) return { ...discovery.res, body: once(discovery.body) };
        const res = await inner.request(req);
        if (res.statusCode !== 200 || !res.body) return res;
        const body = await collect(res.body);
        serverOffersThinPack = advertisedCapabilities(body).includes('thin-pack');
        discovery = { res, body };
        return { ...res, body: once(body) };
      }
      if (req.method === 'POST' && req.url.endsWith('/git-upload-pack') && req.body && serverOffersThinPack) {
        const body = await collect(req.body);
        return inner.request({ ...req, body: once(requestThinPack(body)) });
      }
      return inner.request(req);
    },
  };
}

/** The capabilities on the first reference line of an advertisement (after its `\0`). */
export function advertisedCapabilities(advertisement: Buffer): string[] {
  for (const line of pktLines(advertisement)) {
    const nul = line.indexOf(0);
    if (nul >= 0)
      return line
        .subarray(nul + 1)
        .toString('utf8')
        .trim()
        .split(' ');
  }
  return [];
}

/** The request with ` thin-pack` added to its first want line, when it has `have` lines. */
export function requestThinPack(request: Buffer): Buffer {
  const lines = pktLines(request);
  const first = lines[0];
  if (!first || !first.toString('latin1').startsWith('want ')) return request;
  if (!lines.some((l) => l.toString('latin1').startsWith('have '))) return request;
  const text = first.toString('utf8').replace(/\n$/, '');
  if (text.split(' ').includes('thin-pack')) return request;
  const rewritten = Buffer.from(`${text} thin-pack\n`, 'utf8');
  const header = Buffer.from((rewritten.length + 4).toString(16).padStart(4, '0'), 'latin1');
  return Buffer.concat([header, rewritten, request.subarray(first.length + 4)]);
}

/** Payloads of the pkt-lines at the start of `buf` (a flush-pkt gives an empty payload). */
function pktLines(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos + 4 <= buf.length) {
    const len = parseInt(buf.toString('latin1', pos, pos + 4), 16);
    if (Number.isNaN(len)) break;
    if (len < 4) {
      out.push(Buffer.alloc(0));
      pos += 4;
      continue;
    }
    if (pos + len > buf.length) break;
    out.push(buf.subarray(pos + 4, pos + len));
    pos += len;
  }
  return out;
}

async function collect(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

async function* once(buf: Buffer): AsyncIterableIterator<Uint8Array> {
  yield buf;
}
