import { ConnectorError } from '../airbyte/errors.js';
import type { CheckResult, ConfiguredStream, ReadGroup, RunContext, Source, StreamDefinition, StreamState } from '../airbyte/source.js';
import type { Family } from './catalog.js';
import { parseIntercomConfig, type IntercomConfig } from './config.js';
import type { CustomAttributeCatalog } from './custom-attributes.js';
import type { IntercomClient } from './http/client.js';
import { loadSpec } from './package.js';
import { pageWorkerCount, usableCores, WORKERS_VARIABLE } from './workers/count.js';
import type { PageWorkers } from './workers/pool.js';

// The HTTP client (undici), the catalog (schemas, de-nesting) and the replication engine are loaded by the
// methods that use them: discover needs no HTTP client, and start-up time counts.
const httpClient = () => import('./http/client.js');

const ONE_RESULT = { query: { field: 'updated_at', operator: '>', value: 0 }, pagination: { per_page: 1 } };

/**
 * `GET /me` needs no scope, so check also makes one cheap call per scope the core tables need; a 403 names
 * the missing scope (read admins, read users and companies, read conversations, read tags).
 */
const SCOPE_PROBES: ((client: IntercomClient) => Promise<unknown>)[] = [
  (client) => client.get('/admins'),
  (client) => client.post('/contacts/search', ONE_RESULT),
  (client) => client.post('/conversations/search', ONE_RESULT),
  (client) => client.get('/tags'),
];

export class IntercomSource implements Source<IntercomConfig> {
  readonly spec = loadSpec();
  private clients: IntercomClient[] = [];
  /** The client of discover and read: one per process, so one pacer. */
  private shared: Promise<IntercomClient> | undefined;
  /** The workspace's custom attributes, read once per process: discover and read type records alike. */
  private customAttributes: Promise<CustomAttributeCatalog> | undefined;
  private workers: Promise<PageWorkers | undefined> | undefined;

  parseConfig(raw: Record<string, unknown>, ctx: RunContext): IntercomConfig {
    return parseIntercomConfig(raw, ctx.now());
  }

  async check(config: IntercomConfig, ctx: RunContext): Promise<CheckResult> {
    const client = await this.client(config, ctx, { maxAttempts: Math.min(config.maxAttempts, 2), retryBaseMs: 200, requestTimeoutMs: Math.min(config.requestTimeoutMs, 20_000) });
    try {
      const me = await client.get<{ email?: string; app?: { name?: string; id_code?: string } }>('/me');
      // The scopes at once (one round trip, not four); the first refused in this order is the one reported, as
      // when they were asked one after the other.
      const refused = (await Promise.allSettled(SCOPE_PROBES.map((probe) => probe(client)))).find((answer) => answer.status === 'rejected');
      if (refused) throw refused.reason;
      const app = me.app?.name ?? me.app?.id_code ?? 'the workspace';
      return { status: 'SUCCEEDED', message: `Connected to ${app} as ${me.email ?? 'an admin'}.` };
    } catch (error) {
      const host = new URL(config.baseUrl).host;
      if (error instanceof ConnectorError && error.failureType === 'config_error') return { status: 'FAILED', message: error.message };
      return { status: 'FAILED', message: `Could not reach Intercom at ${host}: ${(error as Error).message}` };
    }
  }

  async discover(config: IntercomConfig, ctx: RunContext): Promise<StreamDefinition[]> {
    const [{ streamDefinitions }, attributes] = await Promise.all([import('./catalog.js'), this.attributes(config, ctx)]);
    return streamDefinitions(attributes);
  }

  async readGroups(config: IntercomConfig, streams: ConfiguredStream[], state: Map<string, StreamState>, ctx: RunContext): Promise<ReadGroup[]> {
    const [client, { families, streamNames }, { familyGroup }] = await Promise.all([this.sharedClient(config, ctx), import('./catalog.js'), import('./replication.js')]);
    const selected = new Map(streams.map((s) => [s.name, s]));
    const attributes = await this.attributes(config, ctx);
    const all = families(attributes);
    const hosts = new Set(all.filter((f) => streamNames(f).some((n) => selected.has(n))).map((f) => f.root.name));
    // A gathered table rides along its host's pass when both are read (one companies scroll, not two); read
    // incrementally it takes its own pass, where its cursor filters and its state advances.
    const ridesAlong = (f: Family) => f.root.companion !== undefined && selected.get(f.root.name)?.syncMode === 'full_refresh' && hosts.has(f.root.companion.of);
    const groups: ReadGroup[] = [];
    for (const family of all) {
      if (ridesAlong(family)) continue;
      const riders = all.filter((f) => ridesAlong(f) && f.root.companion!.of === family.root.name);
      const group = familyGroup(family, selected, state, config, client, ctx, riders, await this.pageWorkers(attributes, ctx));
      if (group) groups.push(group);
    }
    return groups;
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = undefined;
    await Promise.all([...this.clients.map((c) => c.close()), workers?.then((w) => w?.close(), () => undefined)]);
    this.clients = [];
    this.shared = undefined;
    this.customAttributes = undefined;
  }

  /** The page workers of this process (pool.ts), started on first use; none when SOURCE_INTERCOM_WORKERS is 0. */
  private pageWorkers(attributes: CustomAttributeCatalog, ctx: RunContext): Promise<PageWorkers | undefined> {
    return (this.workers ??= (async () => {
      const size = pageWorkerCount(process.env[WORKERS_VARIABLE], usableCores());
      if (size === 0) return undefined;
      const { PageWorkers } = await import('./workers/pool.js');
      ctx.log('DEBUG', `up to ${size} page worker thread(s) for large searches`);
      return new PageWorkers(size, attributes);
    })());
  }

  private attributes(config: IntercomConfig, ctx: RunContext): Promise<CustomAttributeCatalog> {
    return (this.customAttributes ??= Promise.all([import('./custom-attributes.js'), this.sharedClient(config, ctx)]).then(([{ readCustomAttributes }, client]) =>
      readCustomAttributes(client, ctx.log)));
  }

  private sharedClient(config: IntercomConfig, ctx: RunContext): Promise<IntercomClient> {
    return (this.shared ??= this.client(config, ctx));
  }

  private async client(config: IntercomConfig, ctx: RunContext, overrides: { maxAttempts?: number; retryBaseMs?: number; requestTimeoutMs?: number } = {}): Promise<IntercomClient> {
    const { IntercomClient } = await httpClient();
    const client = new IntercomClient({
      baseUrl: config.baseUrl,
      accessToken: config.accessToken,
      intercomVersion: config.intercomVersion,
      requestTimeoutMs: overrides.requestTimeoutMs ?? config.requestTimeoutMs,
      maxAttempts: overrides.maxAttempts ?? config.maxAttempts,
      maxRequestsPerMinute: config.maxRequestsPerMinute,
      maxResponseBytes: config.maxResponseBytes,
      connections: Math.max(16, config.concurrency + 4),
      retryBaseMs: overrides.retryBaseMs,
      log: (level, message) => ctx.log(level, message),
    });
    this.clients.push(client);
    return client;
  }
}
