/**
 * The one guard for every URL a user gives Flowgate to call (webhooks now; chat destinations and attachments later).
 *
 * A URL is checked twice. When it is saved, its host is resolved so the user hears at once that it points inside.
 * When it is called, the address the socket connects to is checked again by the request's own DNS lookup: a name
 * that resolved to a public address at save time and to 127.0.0.1 now (DNS rebinding) is refused there, because the
 * address checked is the address used. Node never runs the lookup for an IP literal, so literals are checked before
 * the request is made. The WHATWG URL parser has already turned the encoded forms of IPv4 (2130706433, 0x7f.1,
 * 0177.0.0.1, 127.1) into dotted quads and IPv6 into its short form, so only canonical addresses reach the checks.
 *
 * Redirects are never followed (node:http does not), so a 3xx cannot lead a request to an address nobody checked.
 */
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export interface OutboundPolicy {
  /** Exact host names, or `*.example.com` for any name under it; such hosts may resolve anywhere. */
  readonly allowedHosts: readonly string[];
  /** `10.0.0.0/8`, `fd00::/8`, or a bare address; addresses inside may be called. */
  readonly allowedCidrs: readonly string[];
  /** Plain `http:` too; otherwise `https:` only. */
  readonly allowHttp: boolean;
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to every address it has; tests inject a stub to play a rebinding DNS server. */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export type OutboundErrorKind = 'invalid_url' | 'ssrf_blocked' | 'dns' | 'timeout' | 'conn' | 'tls';

export class OutboundError extends Error {
  override readonly name = 'OutboundError';
  readonly kind: OutboundErrorKind;

  constructor(kind: OutboundErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses);
    });
  });

// Everything that is not a public unicast address. IPv6 is allowed only inside 2000::/3 (global unicast), minus
// the blocks there that carry or reach other networks: 6to4, Teredo and NAT64 embed an IPv4 address that may be
// private, and documentation/benchmark blocks never hold a real receiver.
const blockedV4: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 connects to the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, where cloud metadata services live
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
];
const blockedV6InsideGlobal: readonly [string, number][] = [
  ['2001::', 23], // IETF protocol assignments, Teredo among them
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4
  ['3fff::', 20],
];
const BLOCKED = new BlockList();
for (const [net, prefix] of blockedV4) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of blockedV6InsideGlobal) BLOCKED.addSubnet(net, prefix, 'ipv6');
const GLOBAL_V6 = new BlockList();
GLOBAL_V6.addSubnet('2000::', 3, 'ipv6');

/** A compiled policy: parse the lists once, check many addresses. */
export class OutboundGuard {
  readonly allowHttp: boolean;
  readonly #hosts: readonly string[];
  readonly #cidrs = new BlockList();
  readonly #resolve: Resolve;

  constructor(policy: OutboundPolicy, options: { resolve?: Resolve } = {}) {
    this.allowHttp = policy.allowHttp;
    this.#hosts = policy.allowedHosts.map((host) => normalHost(host)).filter((h) => h !== '');
    for (const entry of policy.allowedCidrs) addCidr(this.#cidrs, entry);
    this.#resolve = options.resolve ?? systemResolve;
  }

  /** Why the address may not be called, or undefined when it may. */
  addressProblem(address: string): string | undefined {
    const family = isIP(address);
    if (family === 0) return `${address} is not an IP address`;
    if (family === 4) {
      if (this.#cidrs.check(address, 'ipv4')) return undefined;
      return BLOCKED.check(address, 'ipv4') ? `${address} is not a public address` : undefined;
    }
    const mapped = mappedIpv4(address);
    if (mapped !== undefined) {
      // An IPv4-mapped address reaches the IPv4 host, so the allow-list is asked about that host; a public receiver
      // has no reason to be written this way, so it is refused otherwise, whatever the IPv4 address is.
      if (this.#cidrs.check(mapped, 'ipv4')) return undefined;
      return `${address} is an IPv4-mapped address`;
    }
    if (this.#cidrs.check(address, 'ipv6')) return undefined;
    if (!GLOBAL_V6.check(address, 'ipv6') || BLOCKED.check(address, 'ipv6')) {
      return `${address} is not a public address`;
    }
    return undefined;
  }

  hostAllowed(hostname: string): boolean {
    const host = normalHost(hostname);
    return this.#hosts.some((allowed) =>
      allowed.startsWith('*.') ? host.endsWith(allowed.slice(1)) : host === allowed,
    );
  }

  /**
   * Whether the operator named this host: in FLOWGATE_OUTBOUND_ALLOWED_HOSTS, or an address literal inside
   * FLOWGATE_OUTBOUND_ALLOWED_CIDRS. Being a public address is not enough: this is for policies stricter than the
   * guard's own (chat destinations accept their service's hosts only, unless the operator says otherwise).
   */
  operatorAllows(hostname: string): boolean {
    if (this.hostAllowed(hostname)) return true;
    const literal = literalAddress(hostname);
    if (literal === undefined) return false;
    const mapped = isIP(literal) === 6 ? mappedIpv4(literal) : undefined;
    if (mapped !== undefined) return this.#cidrs.check(mapped, 'ipv4');
    return this.#cidrs.check(literal, isIP(literal) === 4 ? 'ipv4' : 'ipv6');
  }

  /** Parses the URL and checks what can be checked without DNS: scheme, credentials, an IP literal host. */
  parse(url: string): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new OutboundError('invalid_url', 'The URL is not valid');
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && this.allowHttp)) {
      throw new OutboundError(
        'invalid_url',
        this.allowHttp
          ? 'The URL must use https: or http:'
          : 'The URL must use https: (plain http: needs FLOWGATE_ALLOW_HTTP_WEBHOOKS=true)',
      );
    }
    if (parsed.username !== '' || parsed.password !== '') {
      throw new OutboundError('invalid_url', 'The URL may not carry a user name or password');
    }
    const literal = literalAddress(parsed.hostname);
    if (literal !== undefined && !this.hostAllowed(parsed.hostname)) {
      const problem = this.addressProblem(literal);
      if (problem) throw new OutboundError('ssrf_blocked', `The URL is refused: ${problem}`);
    }
    return parsed;
  }

  /**
   * The save-time check: the URL's host is resolved and every address must pass. Throws an `OutboundError` that
   * says why, for the user who typed the URL.
   */
  async check(url: string): Promise<URL> {
    const parsed = this.parse(url);
    if (literalAddress(parsed.hostname) !== undefined || this.hostAllowed(parsed.hostname)) {
      return parsed;
    }
    await this.#resolveChecked(parsed.hostname);
    return parsed;
  }

  /**
   * The lookup the request's socket uses, so the address checked is the one connected to. Node 20 asks for every
   * address (`all`) when it races IPv4 and IPv6; one blocked address refuses the name, since any could be used.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const all = typeof options === 'object' && options.all === true;
    const family = typeof options === 'object' ? options.family : undefined;
    const wanted = family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : family;
    this.#resolveChecked(hostname).then(
      (addresses) => {
        const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses;
        const first = usable[0];
        if (!first) {
          callback(
            Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }),
            '',
          );
        } else if (all) {
          (callback as unknown as (e: null, a: readonly ResolvedAddress[]) => void)(null, usable);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, ''),
    );
  };

  async #resolveChecked(hostname: string): Promise<readonly ResolvedAddress[]> {
    if (this.hostAllowed(hostname)) return this.#resolveOrThrow(hostname);
    const addresses = await this.#resolveOrThrow(hostname);
    for (const { address } of addresses) {
      const problem = this.addressProblem(address);
      if (problem) {
        throw new OutboundError(
          'ssrf_blocked',
          `The URL is refused: ${hostname} resolves to ${address} (${problem})`,
        );
      }
    }
    return addresses;
  }

  async #resolveOrThrow(hostname: string): Promise<readonly ResolvedAddress[]> {
    let addresses: readonly ResolvedAddress[];
    try {
      addresses = await this.#resolve(hostname);
    } catch (error) {
      throw new OutboundError('dns', `${hostname} could not be resolved`, { cause: error });
    }
    if (addresses.length === 0) throw new OutboundError('dns', `${hostname} has no address`);
    return addresses;
  }
}

export interface OutboundRequest {
  readonly method?: 'POST' | 'GET';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The whole exchange, connect to last byte read. */
  readonly timeoutMs: number;
  /** Response bytes kept; the rest is read and dropped so the connection ends cleanly. */
  readonly maxBodyBytes?: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * Makes one request to a user-supplied URL under the guard. Any status comes back as a response (a 3xx too, with
 * its Location unread); refusals, DNS failures, timeouts and broken connections throw `OutboundError`.
 */
export async function sendOutbound(
  guard: OutboundGuard,
  url: string,
  request: OutboundRequest,
): Promise<OutboundResponse> {
  const parsed = guard.parse(url);
  const maxBytes = request.maxBodyBytes ?? 64 * 1024;
  const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
  return await new Promise<OutboundResponse>((resolve, reject) => {
    let settled = false;
    const finish = (error: OutboundError | undefined, response?: OutboundResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(response!);
    };
    const req = send(parsed, {
      method: request.method ?? 'POST',
      headers: request.headers,
      // A fresh connection per request: a pooled socket would skip the lookup, and with it the connect-time check.
      agent: false,
      lookup: guard.lookup,
    });
    const timer = setTimeout(() => {
      finish(new OutboundError('timeout', `No complete response within ${request.timeoutMs} ms`));
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish(asOutboundError(error)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept >= maxBytes) return;
        const part = chunk.subarray(0, maxBytes - kept);
        chunks.push(part);
        kept += part.length;
      });
      res.on('error', (error: NodeJS.ErrnoException) => finish(asOutboundError(error)));
      res.on('end', () =>
        finish(undefined, {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.end(request.body);
  });
}

function asOutboundError(error: NodeJS.ErrnoException): OutboundError {
  if (error instanceof OutboundError) return error;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof OutboundError) return cause;
  const code = error.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new OutboundError('dns', error.message, { cause: error });
  }
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code.startsWith('ERR_SSL')) {
    return new OutboundError('tls', error.message, { cause: error });
  }
  return new OutboundError('conn', error.message || code || 'The connection failed', {
    cause: error,
  });
}

function normalHost(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** The address an IP-literal URL host names (brackets off), or undefined for a name. */
function literalAddress(hostname: string): string | undefined {
  const bare =
    hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? undefined : bare;
}

function addCidr(list: BlockList, entry: string): void {
  const text = entry.trim();
  if (text === '') return;
  const [address = '', prefixText] = text.split('/');
  const family = isIP(address);
  if (family === 0) throw new Error(`Not an address or CIDR range: ${entry}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new Error(`Not an address or CIDR range: ${entry}`);
  }
  list.addSubnet(address, prefix, type);
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), or undefined. */
function mappedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (!groups) return undefined;
  if (groups.slice(0, 5).some((g) => g !== 0) || groups[5] !== 0xffff) return undefined;
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad allowed), or undefined. */
function expandIpv6(address: string): number[] | undefined {
  let text = address.split('%')[0] ?? '';
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const numbers = groups.map((g) => Number.parseInt(g, 16));
  return numbers.some((n) => Number.isNaN(n)) ? undefined : numbers;
}
