/**
 * startSandbox(): an in-process Intercom simulator on a free port, for tests, the demo and benchmarks.
 *
 *   const sandbox = await startSandbox({ seed: 42, sizes: { contacts: 500 } });
 *   fetch(`${sandbox.url}/me`, { headers: { authorization: `Bearer ${sandbox.token}`, accept: 'application/json' } });
 *   sandbox.workspace.touch('conversations', 3);   // ground truth and mutation
 *   await sandbox.close();
 */
import { FaultPlan, type FaultOptions } from './faults.js';
import { prewarm, type Prewarmed } from './routes.js';
import { SandboxServer, type RequestLogEntry, type ServerSettings } from './server.js';
import { DEFAULT_API_VERSION, type ApiVersion } from './versions.js';
import { Workspace, type Entity, type WorkspaceSizes } from './workspace/index.js';

export { Workspace } from './workspace/index.js';
export type { Entity, StreamName, WorkspaceOptions, WorkspaceSizes } from './workspace/index.js';
export type { RequestLogEntry } from './server.js';
export type { Prewarmed } from './routes.js';
export type { ApiVersion } from './versions.js';
export { API_VERSIONS } from './versions.js';
export { FaultPlan } from './faults.js';
export type { FaultOptions, FaultKind, Fault } from './faults.js';

/** The bulk streams a connector walks once: what `prewarm` renders, in this order. */
const PREWARMED_ENTITIES: Entity[] = ['contacts', 'companies', 'conversations'];

export const DEFAULT_TOKEN = 'sandbox-token-0123456789abcdef';

export interface SandboxOptions {
  seed?: number;
  sizes?: Partial<WorkspaceSizes>;
  /** WorkspaceOptions.crowdedOneIn: about one contact in this many has more than 10 tags and companies (0: none). */
  crowdedOneIn?: number;
  token?: string;
  /** Unix seconds the data is spread back from (2 years). Default: now rounded down to the UTC day. */
  anchor?: number;
  /** Clock in ms (default Date.now): drives touch/create timestamps, scroll expiry and rate-limit windows. */
  now?: () => number;
  /** Per minute; 0 = unlimited (default). Split into 10-second windows of round(n/6). */
  rateLimitPerMinute?: number;
  /** e.g. ['read_conversations']: routes needing it answer 403 forbidden naming the scope. */
  scopesWithheld?: string[];
  /** Every route but /me answers 403 api_plan_restricted. */
  planRestricted?: boolean;
  /** Only these paths (e.g. ['/admins/activity_logs']) answer 403 api_plan_restricted: a plan without that API. */
  planRestrictedPaths?: string[];
  /** A companies scroll idle longer than this expires (default 60000). */
  scrollIdleMs?: number;
  /** Companies per scroll page (default 15). */
  scrollPageSize?: number;
  /** 'offset' (default, like Intercom: a record updated between two pages can be skipped) or 'keyset'. */
  searchCursor?: 'offset' | 'keyset';
  /** Default false: GET /segments?type=company returns person segments (unverified v1 route). */
  companySegmentsV1Route?: boolean;
  /** Version served when the request sends no Intercom-Version (default 2.14). */
  defaultVersion?: ApiVersion;
  /** Default true: a missing or non-JSON Accept header gets 406. */
  requireAccept?: boolean;
  faults?: FaultOptions;
  /**
   * Render every contact, company and conversation list item into the render cache for defaultVersion
   * before startSandbox resolves, so a first walk is served warm. Stops at the cache's byte bound
   * (320 MiB: a 100,000-contact workspace fits); records beyond it are rendered on first request.
   */
  prewarm?: boolean;
  /**
   * Bytes of whole response bodies kept for searches and a contact's lists (sandbox/response-cache.ts), served
   * again while the request and the workspace are the same. 0 (default): every body is made anew. For
   * benchmarks that read one workspace again and again: the sandbox's CPU is not the connector's to lose.
   */
  responseCacheBytes?: number;
  /** Port to listen on (default 0: any free port). */
  port?: number;
  host?: string;
}

export interface Sandbox {
  url: string;
  token: string;
  workspace: Workspace;
  log: RequestLogEntry[];
  faults: FaultPlan;
  /** The response cache (responseCacheBytes), undefined when off: bytes held and bodies served from it. */
  readonly responseCache: { readonly bytes: number; readonly hits: number } | undefined;
  /** What `prewarm` rendered (undefined without it). */
  prewarmed: (Prewarmed & { ms: number }) | undefined;
  setOptions(partial: Partial<Omit<SandboxOptions, 'seed' | 'sizes' | 'anchor' | 'now' | 'port' | 'host' | 'prewarm' | 'responseCacheBytes'>>): void;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const workspace = new Workspace({ seed: options.seed ?? 42, sizes: options.sizes, anchor: options.anchor, now: options.now, crowdedOneIn: options.crowdedOneIn });
  const settings: ServerSettings = {
    token: options.token ?? DEFAULT_TOKEN,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
    scopesWithheld: options.scopesWithheld ?? [],
    planRestricted: options.planRestricted ?? false,
    planRestrictedPaths: options.planRestrictedPaths ?? [],
    scrollIdleMs: options.scrollIdleMs ?? 60_000,
    scrollPageSize: options.scrollPageSize ?? 15,
    searchCursor: options.searchCursor ?? 'offset',
    companySegmentsV1Route: options.companySegmentsV1Route ?? false,
    defaultVersion: options.defaultVersion ?? DEFAULT_API_VERSION,
    requireAccept: options.requireAccept ?? true,
  };
  const faults = new FaultPlan({ seed: options.seed ?? 42, ...options.faults });
  const server = new SandboxServer(workspace, settings, faults, options.responseCacheBytes ?? 0);
  let prewarmed: Sandbox['prewarmed'];
  if (options.prewarm) {
    const started = performance.now();
    prewarmed = { ...prewarm(server.ctx, PREWARMED_ENTITIES, settings.defaultVersion), ms: 0 };
    prewarmed.ms = Math.round(performance.now() - started);
  }
  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  const sandbox: Sandbox = {
    url,
    get token() { return server.current.token; },
    workspace,
    log: server.log,
    responseCache: server.responses,
    faults,
    prewarmed,
    setOptions(partial) {
      const { faults: faultOptions, ...rest } = partial;
      if (faultOptions) faults.update(faultOptions);
      const clean = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<ServerSettings>;
      server.update(clean);
    },
    close: () => server.close(),
  };
  return sandbox;
}
