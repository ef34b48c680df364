/**
 * The sandbox's HTTP server (node:http, keep-alive): request log, latency and faults, Accept and
 * Intercom-Version checks, bearer auth, rate limit headers, plan and scope checks, then the route.
 * Errors use Intercom's envelope `{type:'error.list', request_id, errors:[{code, message}]}`; request_id is a
 * UUID derived from the seed and the request counter (same seed, same requests: same ids).
 * Bodies are UTF-8 bytes: Content-Length is their length, and faults cut or replace bytes.
 */
import http from 'node:http';
import { FaultPlan, type Fault } from './faults.js';
import { JsonCache } from './paging.js';
import { RateLimiter } from './rate-limit.js';
import { RecordSearch } from './record-search.js';
import { ResponseCache } from './response-cache.js';
import { uuidOf } from './rng.js';
import { ApiError, ROUTES, type ApiRequest, type RouteContext, type Scope, type ScrollState } from './routes.js';
import { parseApiVersion, type ApiVersion } from './versions.js';
import type { Workspace } from './workspace/index.js';

/** One request as the sandbox answered it; `bytes`: the response body's length (0 until answered, or for a reset). */
export interface RequestLogEntry { method: string; path: string; status: number; ms: number; at: number; bytes: number }

/** Settings that can change while the sandbox runs (setOptions). */
export interface ServerSettings {
  token: string;
  rateLimitPerMinute: number;
  scopesWithheld: string[];
  planRestricted: boolean;
  /** Paths (e.g. '/admins/activity_logs') the workspace's plan does not include: 403 api_plan_restricted. */
  planRestrictedPaths: string[];
  scrollIdleMs: number;
  scrollPageSize: number;
  searchCursor: 'offset' | 'keyset';
  companySegmentsV1Route: boolean;
  defaultVersion: ApiVersion;
  /** Refuse requests whose Accept is missing or not JSON with 406 (Intercom does). */
  requireAccept: boolean;
}

const MAX_BODY = 1 << 20;
/**
 * Bound of the rendered-JSON cache: room for every contact of a 100,000-contact workspace (~2 KB each)
 * plus recent conversation retrievals, so repeated walks stay warm (an LRU smaller than a cyclic walk
 * never hits). Filled lazily: small test workspaces use a few MB.
 */
const RENDER_CACHE_BYTES = 320 * 1024 * 1024;
const HTML_BODY = Buffer.from('<!DOCTYPE html><html><head><title>Intercom</title></head><body><h1>We\'re sorry, something went wrong.</h1></body></html>');

export class SandboxServer {
  readonly log: RequestLogEntry[] = [];
  private readonly server: http.Server;
  /** What routes see (workspace, search, render cache); startSandbox prewarms the cache through it. */
  readonly ctx: RouteContext;
  private limiter: RateLimiter;
  private requestCounter = 0;
  /** Bodies of cacheable routes (Route.cacheable), when a bound was given; undefined: every body made anew. */
  readonly responses: ResponseCache | undefined;

  constructor(readonly ws: Workspace, private settings: ServerSettings, readonly faults: FaultPlan, responseCacheBytes = 0) {
    this.responses = responseCacheBytes > 0 ? new ResponseCache(responseCacheBytes) : undefined;
    const scroll: ScrollState = { open: undefined, counter: 0 };
    this.ctx = {
      ws,
      search: new RecordSearch(ws, () => this.settings.searchCursor),
      cache: new JsonCache(RENDER_CACHE_BYTES),
      scroll,
      options: () => this.settings,
    };
    this.limiter = new RateLimiter({ perMinute: settings.rateLimitPerMinute, now: ws.now });
    this.server = http.createServer({ keepAlive: true, keepAliveTimeout: 30_000 }, (req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 30_000;
  }

  update(partial: Partial<ServerSettings>): void {
    const before = this.settings.rateLimitPerMinute;
    this.settings = { ...this.settings, ...partial };
    if (partial.rateLimitPerMinute !== undefined && partial.rateLimitPerMinute !== before) {
      this.limiter = new RateLimiter({ perMinute: this.settings.rateLimitPerMinute, now: this.ws.now });
    }
  }

  get current(): ServerSettings { return this.settings; }

  listen(port: number, host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address();
        if (address === null || typeof address === 'string') return reject(new Error('sandbox: no TCP address'));
        resolve(`http://${host}:${address.port}`);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = performance.now();
    const at = this.ws.now();
    const url = req.url ?? '/';
    const entry: RequestLogEntry = { method: req.method ?? 'GET', path: url, status: 0, ms: 0, at, bytes: 0 };
    this.log.push(entry);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
    req.on('end', () => {
      const pathname = url.split('?')[0]!;
      const fault = this.faults.decide(entry.method, pathname);
      const delay = this.faults.delayMs();
      const respond = () => {
        try {
          this.handle(req, res, entry, pathname, url, Buffer.concat(chunks), fault);
        } catch (err) {
          this.send(res, entry, 500, errorBody(this.nextRequestId(), 'server_error', `sandbox bug: ${(err as Error).message}`), {});
        }
        entry.ms = performance.now() - started;
      };
      if (delay > 0) setTimeout(respond, delay); else respond();
    });
  }

  private nextRequestId(): string {
    return requestUuid(this.ws.seed, ++this.requestCounter);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, entry: RequestLogEntry, pathname: string,
    url: string, rawBody: Buffer, fault: Fault | undefined): void {
    const requestNumber = ++this.requestCounter;   // every request counts; its UUID is only made for errors
    const requestId = () => requestUuid(this.ws.seed, requestNumber);
    const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
      this.send(res, entry, status, errorBody(requestId(), code, message), headers);

    if (fault?.kind === 'reset') {
      entry.status = 0;
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      const status = fault.status ?? 500;
      return fail(status, status === 500 ? 'server_error' : 'service_unavailable',
        status === 500 ? 'Server Error' : 'Service Unavailable');
    }
    if (fault?.kind === 'non_json') {
      entry.status = 200;
      entry.bytes = HTML_BODY.length;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': HTML_BODY.length });
      res.end(HTML_BODY);
      return;
    }
    const s = this.settings;
    const accept = req.headers.accept;
    if (s.requireAccept && (accept === undefined || !/application\/json|\*\/\*/.test(accept))) {
      return fail(406, 'not_acceptable', 'The Accept header must be application/json');
    }
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${s.token}`) return fail(401, 'unauthorized', 'Access Token Invalid');

    const limit = this.limiter.take();
    const rateHeaders = {
      'x-ratelimit-limit': String(limit.limit),
      'x-ratelimit-remaining': String(fault?.kind === 'rate_limit' ? 0 : limit.remaining),
      'x-ratelimit-reset': String(limit.reset),
    };
    const failAuthed = (status: number, code: string, message: string) => fail(status, code, message, rateHeaders);
    if (!limit.allowed || fault?.kind === 'rate_limit') {
      return failAuthed(429, 'rate_limit_exceeded', `Exceeded rate limit of ${limit.limit} in 10_seconds`);
    }
    const version = parseApiVersion(firstHeader(req.headers['intercom-version']), s.defaultVersion);
    if (version === undefined) {
      return failAuthed(400, 'intercom_version_invalid', `The requested version could not be found: ${String(req.headers['intercom-version'])}`);
    }
    const method = req.method ?? 'GET';
    const route = ROUTES.find((r) => r.method === method && r.pattern.test(pathname));
    if (!route) {
      const other = ROUTES.some((r) => r.pattern.test(pathname));
      return failAuthed(other ? 405 : 404, other ? 'method_not_allowed' : 'not_found', other ? `${method} is not allowed on ${pathname}` : 'Resource Not Found');
    }
    if ((s.planRestricted && route.scope !== undefined) || s.planRestrictedPaths.includes(pathname)) {
      return failAuthed(403, 'api_plan_restricted', 'Active subscription needed.');
    }
    if (route.scope !== undefined && s.scopesWithheld.includes(route.scope)) {
      return failAuthed(403, 'forbidden', `The access token lacks the ${route.scope} scope needed for ${method} ${pathname}`);
    }
    let body: unknown;
    if (method === 'POST' && rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        return failAuthed(400, 'parameter_invalid', 'The request body is not valid JSON');
      }
    }
    const match = route.pattern.exec(pathname)!;
    const apiReq: ApiRequest = {
      method, path: pathname, params: match.slice(1).map((p) => decodeURIComponent(p)),
      query: new URL(url, 'http://sandbox').searchParams, body, version,
      fault: fault && fault.kind.startsWith('scroll_') ? fault : undefined,
    };
    let result;
    const cacheKey = this.responses && route.cacheable ? this.cacheKey(method, url, version, rawBody) : undefined;
    const cached = cacheKey === undefined ? undefined : this.responses!.get(cacheKey);
    try {
      result = cached !== undefined ? { status: 200, body: cached } : route.handle(this.ctx, apiReq);
    } catch (err) {
      if (err instanceof ApiError) {
        return this.send(res, entry, err.status, errorBody(requestId(), err.code, err.message, err.field), rateHeaders);
      }
      throw err;
    }
    if (cacheKey !== undefined && cached === undefined && result.status === 200) this.responses!.set(cacheKey, result.body);
    if (fault?.kind === 'truncate' && result.status === 200) {
      const half = result.body.subarray(0, Math.floor(result.body.length / 2));
      entry.status = 200;
      entry.bytes = half.length;
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': half.length, ...rateHeaders });
      res.end(half);
      return;
    }
    this.send(res, entry, result.status, result.body, rateHeaders);
  }

  /** What a cacheable route's body depends on: the request, the cursor mode, and every table's state. */
  private cacheKey(method: string, url: string, version: ApiVersion, rawBody: Buffer): string {
    let generations = '';
    for (const table of Object.values(this.ws.tables)) generations += `${table.generation}.`;
    return `${method} ${url} ${version} ${this.settings.searchCursor} ${generations} ${rawBody.toString('latin1')}`;
  }

  private send(res: http.ServerResponse, entry: RequestLogEntry, status: number, body: Buffer, headers: Record<string, string>): void {
    entry.status = status;
    entry.bytes = body.length;
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      ...headers,
    });
    res.end(body);
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function errorBody(requestId: string, code: string, message: string, field?: string): Buffer {
  const error: Record<string, string> = { code, message };
  if (field !== undefined) error.field = field;
  return Buffer.from(JSON.stringify({ type: 'error.list', request_id: requestId, errors: [error] }));
}

/** The request_id of an error answer: deterministic from (seed, request number). */
export const requestUuid = (seed: number, n: number): string => uuidOf(seed, 'request', n);

export type { Scope };
