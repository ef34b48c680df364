import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectorError } from '../airbyte/errors.js';
import type { ConnectorSpecification } from '../airbyte/protocol.js';
import type { CheckResult, ConfiguredStream, ReadGroup, RunContext, Source, StreamDefinition, StreamState } from '../airbyte/source.js';
import { families, streamDefinitions, streamNames, type Family } from './catalog.js';
import { parseIntercomConfig, type IntercomConfig } from './config.js';
import { readCustomAttributes, type CustomAttributeCatalog } from './custom-attributes.js';
import { IntercomClient } from './http/client.js';
import { familyGroup } from './replication.js';

/** spec.json sits at the package root, above dist/ (image, npm package) or .build/src/ (development). */
function loadSpec(): ConnectorSpecification {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'spec.json');
    if (existsSync(candidate)) return JSON.parse(readFileSync(candidate, 'utf8')) as ConnectorSpecification;
    dir = dirname(dir);
  }
  throw new Error('spec.json not found next to the connector package');
}

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
  private shared: IntercomClient | undefined;
  /** The workspace's custom attributes, read once per process: discover and read type records alike. */
  private customAttributes: Promise<CustomAttributeCatalog> | undefined;

  parseConfig(raw: Record<string, unknown>, ctx: RunContext): IntercomConfig {
    return parseIntercomConfig(raw, ctx.now());
  }

  async check(config: IntercomConfig, ctx: RunContext): Promise<CheckResult> {
    const client = this.client(config, ctx, { maxAttempts: Math.min(config.maxAttempts, 2), retryBaseMs: 200, requestTimeoutMs: Math.min(config.requestTimeoutMs, 20_000) });
    try {
      const me = await client.get<{ email?: string; app?: { name?: string; id_code?: string } }>('/me');
      for (const probe of SCOPE_PROBES) await probe(client);
      const app = me.app?.name ?? me.app?.id_code ?? 'the workspace';
      return { status: 'SUCCEEDED', message: `Connected to ${app} as ${me.email ?? 'an admin'}.` };
    } catch (error) {
      const host = new URL(config.baseUrl).host;
      if (error instanceof ConnectorError && error.failureType === 'config_error') return { status: 'FAILED', message: error.message };
      return { status: 'FAILED', message: `Could not reach Intercom at ${host}: ${(error as Error).message}` };
    }
  }

  async discover(config: IntercomConfig, ctx: RunContext): Promise<StreamDefinition[]> {
    return streamDefinitions(await this.attributes(config, ctx));
  }

  async readGroups(config: IntercomConfig, streams: ConfiguredStream[], state: Map<string, StreamState>, ctx: RunContext): Promise<ReadGroup[]> {
    const client = this.sharedClient(config, ctx);
    const selected = new Map(streams.map((s) => [s.name, s]));
    const all = families(await this.attributes(config, ctx));
    const hosts = new Set(all.filter((f) => streamNames(f).some((n) => selected.has(n))).map((f) => f.root.name));
    // A gathered table rides along its host's pass when both are read (one companies scroll, not two); read
    // incrementally it takes its own pass, where its cursor filters and its state advances.
    const ridesAlong = (f: Family) => f.root.companion !== undefined && selected.get(f.root.name)?.syncMode === 'full_refresh' && hosts.has(f.root.companion.of);
    const groups: ReadGroup[] = [];
    for (const family of all) {
      if (ridesAlong(family)) continue;
      const riders = all.filter((f) => ridesAlong(f) && f.root.companion!.of === family.root.name);
      const group = familyGroup(family, selected, state, config, client, ctx, riders);
      if (group) groups.push(group);
    }
    return groups;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
    this.clients = [];
    this.shared = undefined;
    this.customAttributes = undefined;
  }

  private attributes(config: IntercomConfig, ctx: RunContext): Promise<CustomAttributeCatalog> {
    return (this.customAttributes ??= readCustomAttributes(this.sharedClient(config, ctx), ctx.log));
  }

  private sharedClient(config: IntercomConfig, ctx: RunContext): IntercomClient {
    return (this.shared ??= this.client(config, ctx));
  }

  private client(config: IntercomConfig, ctx: RunContext, overrides: { maxAttempts?: number; retryBaseMs?: number; requestTimeoutMs?: number } = {}): IntercomClient {
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
