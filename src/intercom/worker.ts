// A worker thread reading one family (see source.ts): the same replication code as on the main thread, with
// its records serialised here and its requests paced by the process's one pacer, asked over the channel.
import { parentPort, workerData } from 'node:worker_threads';
import { MainChannel } from '../airbyte/worker-events.js';
import type { ConfiguredStream, StreamState } from '../airbyte/source.js';
import { families } from './catalog.js';
import type { IntercomConfig } from './config.js';
import { connect } from './connect.js';
import type { PacerPort, RateLimitHeaders, Ticket } from './http/pacer.js';
import { familyGroup } from './replication.js';

/** What the main thread hands a worker: plain data. */
export interface FamilyPlan {
  config: IntercomConfig;
  family: string;
  riders: string[];
  selected: [string, ConfiguredStream][];
  state: [string, StreamState][];
}

/** The process's pacer, asked from a worker thread (messages keep their order: completed before the next acquire). */
class RemotePacer implements PacerPort {
  constructor(private readonly channel: MainChannel) {}
  acquire(): Promise<Ticket> { return this.channel.call<Ticket>('pacer.acquire'); }
  completed(ticket: Ticket, headers: RateLimitHeaders | undefined): void { void this.channel.call('pacer.completed', ticket, headers); }
  rateLimited(headers: RateLimitHeaders, endpoint: string): void { void this.channel.call('pacer.rateLimited', headers, endpoint); }
  capRequestsPerMinute(perMinute: number | undefined): void { void this.channel.call('pacer.cap', perMinute); }
}

const channel = new MainChannel(parentPort!);
const plan = workerData as FamilyPlan;
const all = families();
const byName = (name: string) => all.find((f) => f.root.name === name)!;
const ctx = { log: (level: Parameters<MainChannel['log']>[0], message: string) => channel.log(level, message), now: () => Date.now() };
const { config } = plan;
const client = connect(config, ctx.log, { pacer: new RemotePacer(channel) });
const group = familyGroup(byName(plan.family), new Map(plan.selected), new Map(plan.state), config, client, ctx, plan.riders.map(byName));
if (group) await channel.serve(group.read(), ctx.now);
await client.close();
