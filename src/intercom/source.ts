import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectorError } from '../airbyte/errors.js';
import type { ConnectorSpecification } from '../airbyte/protocol.js';
import type { CheckResult, ConfiguredStream, ReadGroup, RunContext, Source, StreamDefinition, StreamState } from '../airbyte/source.js';
import { families, streamDefinitions, type Family } from './catalog.js';
import { parseIntercomConfig, type IntercomConfig } from './config.js';
import { Worker } from 'node:worker_threads';
import { eventsFromWorker } from '../airbyte/worker-events.js';
import { connect } from './connect.js';
import type { IntercomClient, IntercomClientOptions } from './http/client.js';
import type { PacerPort, RateLimitHeaders, Ticket } from './http/pacer.js';
import type { FamilyPlan } from './worker.js';
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

const WORKER = new URL('./worker.js', import.meta.url);
/** A small young generation keeps each worker's heap, and the process's memory, low. */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 };

/** Answers a worker's pacer calls with this process's pacer. */
function pacerCalls(pacer: PacerPort): (method: string, args: unknown[]) => unknown {
  return (method, args) => {
    switch (method) {
      case 'pacer.acquire': return pacer.acquire();
      case 'pacer.completed': return pacer.completed(args[0] as Ticket, args[1] as RateLimitHeaders | undefined);
      case 'pacer.rateLimited': return pacer.rateLimited(args[0] as RateLimitHeaders, args[1] as string);
      case 'pacer.cap': return pacer.capRequestsPerMinute(args[0] as number | undefined);
      default: throw new Error(`unknown call ${method}`);
    }
  };
}

async function* released<T>(events: AsyncIterable<T>, release: () => void): AsyncIterable<T> {
  try {
    yield* events;
  } finally {
    release();
  }
}

export class IntercomSource implements Source<IntercomConfig> {
  readonly spec = loadSpec();
  /** Two groups at a time: one on this thread, one in a worker (see readGroups). */
  readonly parallelGroups = 2;
  private workerBusy = false;
  private clients: IntercomClient[] = [];

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

  async discover(): Promise<StreamDefinition[]> {
    return streamDefinitions();
  }

  async readGroups(config: IntercomConfig, streams: ConfiguredStream[], state: Map<string, StreamState>, ctx: RunContext): Promise<ReadGroup[]> {
    const client = this.client(config, ctx);
    const selected = new Map(streams.map((s) => [s.name, s]));
    const all = families();
    const hosts = new Set(all.filter((f) => [f.root.name, ...f.children.map((c) => c.name)].some((n) => selected.has(n))).map((f) => f.root.name));
    // A gathered table rides along its host's pass when both are read (one companies scroll, not two).
    const ridesAlong = (f: Family) => f.root.companion !== undefined && selected.has(f.root.name) && hosts.has(f.root.companion.of);
    const groups: ReadGroup[] = [];
    for (const family of all) {
      if (ridesAlong(family)) continue;
      const riders = all.filter((f) => ridesAlong(f) && f.root.companion!.of === family.root.name);
      const group = familyGroup(family, selected, state, config, client, ctx, riders);
      if (!group) continue;
      if (family.root.cursor === undefined) {
        groups.push(group); // a small full table: read here
        continue;
      }
      // A large table: read on another core (worker.ts) when the worker is free, else here. Two groups run at
      // once (parallelGroups), so the work spreads over two threads, with one extra heap at most. Requests of
      // both go through this process's one pacer.
      const plan: FamilyPlan = { config, family: family.root.name, riders: riders.map((r) => r.root.name), selected: [...selected], state: [...state] };
      groups.push({
        streams: group.streams,
        read: () => {
          if (this.workerBusy) return group.read();
          this.workerBusy = true;
          const worker = new Worker(WORKER, { workerData: plan, resourceLimits: WORKER_LIMITS });
          return released(eventsFromWorker(worker, pacerCalls(client.pacing)), () => (this.workerBusy = false));
        },
      });
    }
    return groups;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
    this.clients = [];
  }

  private client(config: IntercomConfig, ctx: RunContext, overrides: Partial<IntercomClientOptions> = {}): IntercomClient {
    const client = connect(config, (level, message) => ctx.log(level, message), overrides);
    this.clients.push(client);
    return client;
  }
}
