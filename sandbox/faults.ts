/**
 * The sandbox's fault plan: which requests fail, and how, so tests and benchmarks can reproduce the
 * failures real Intercom connectors meet (5xx bursts, reset sockets, truncated or non-JSON 200 bodies,
 * 429 storms, companies-scroll trouble). Random faults come from a seeded generator, so a run with the
 * same seed and the same request order makes the same decisions. Scripted faults are deterministic
 * one-shots for tests. The HTTP server interprets the returned Fault; this module does no I/O.
 */
import { hashSeed, rng } from './rng.js';

export type FaultKind =
  | 'status' | 'reset' | 'truncate' | 'non_json' | 'rate_limit'
  | 'scroll_restart' | 'scroll_exists' | 'scroll_expired';
export type Fault = { kind: FaultKind; status?: number };

export interface ScriptedFault {
  /** RegExp source the request path must match; any request when omitted. */
  path?: string;
  /** How many matching requests pass before the fault fires (default 0: the next matching request). */
  after?: number;
  kind: FaultKind;
  /** HTTP status for kind 'status' (required there); 'rate_limit' is always 429. */
  status?: number;
  /** How many consecutive matching requests get the fault (default 1; > 1 makes a 429 storm). */
  count?: number;
}

export interface FaultOptions {
  seed?: number;
  /** Every request: latency + uniform(0, jitter). */
  latencyMs?: number;
  jitterMs?: number;
  /** Share of requests answered 500/502/503/504 (equally likely). */
  serverErrorRate?: number;
  /** Share answered by destroying the socket. */
  resetRate?: number;
  /** Share whose 200 body is cut in half. */
  truncateRate?: number;
  /** Share answered 200 with an HTML body. */
  nonJsonRate?: number;
  /** Deterministic one-shots, consumed in order: the first entry counts matching requests from the
   *  start; each later entry starts counting once the one before it has fired `count` times. */
  script?: ScriptedFault[];
  /** Only these paths are subject to random faults (RegExp source); default all except /me. */
  paths?: string;
}

export const SERVER_ERROR_STATUSES = [500, 502, 503, 504] as const;
const DEFAULT_RANDOM_PATHS = /^(?!\/me(?:[/?#]|$))/;
const RATE_FIELDS = ['serverErrorRate', 'resetRate', 'truncateRate', 'nonJsonRate'] as const;
const FAULT_KINDS: readonly FaultKind[] = [
  'status', 'reset', 'truncate', 'non_json', 'rate_limit', 'scroll_restart', 'scroll_exists', 'scroll_expired',
];

interface ActiveScript { path: RegExp | undefined; after: number; kind: FaultKind; status?: number; count: number; seen: number; fired: number }

export class FaultPlan {
  private opts: FaultOptions = {};
  private faultRandom: () => number = Math.random;
  private latencyRandom: () => number = Math.random;
  private randomPaths: RegExp = DEFAULT_RANDOM_PATHS;
  private script: ActiveScript[] = [];

  constructor(opts: FaultOptions) {
    this.update({ seed: 0, ...opts });
  }

  /** Switches faults at run time. A new seed restarts the random sequences; a new script replaces the old one. */
  update(opts: Partial<FaultOptions>): void {
    const next: FaultOptions = { ...this.opts, ...opts };
    validateRates(next);
    for (const name of ['latencyMs', 'jitterMs'] as const) {
      const v = next[name];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`fault option ${name} must be a number >= 0 (got ${String(v)})`);
    }
    const randomPaths = opts.paths !== undefined ? compilePath(opts.paths, 'paths') : undefined;
    const script = opts.script !== undefined ? opts.script.map(compileScripted) : undefined;
    // Nothing below can throw: the plan changes all at once or not at all.
    this.opts = next;
    if (randomPaths !== undefined) this.randomPaths = randomPaths;
    if (script !== undefined) this.script = script;
    if (opts.seed !== undefined) {
      this.faultRandom = rng(hashSeed(opts.seed, 'faults'));
      this.latencyRandom = rng(hashSeed(opts.seed, 'latency'));
    }
  }

  /** Decides the fault for one request (called once per request, in arrival order). */
  decide(method: string, path: string): Fault | undefined {
    void method; // faults are chosen by path; the method is part of the call for the server's logs
    const scripted = this.scripted(path);
    if (scripted) return scripted;
    if (!this.randomPaths.test(path)) return undefined;
    const o = this.opts;
    const total = (o.serverErrorRate ?? 0) + (o.resetRate ?? 0) + (o.truncateRate ?? 0) + (o.nonJsonRate ?? 0);
    if (total === 0) return undefined;
    let u = this.faultRandom();
    const serverErrorRate = o.serverErrorRate ?? 0;
    if (u < serverErrorRate) {
      const index = Math.min(SERVER_ERROR_STATUSES.length - 1, Math.floor((u / serverErrorRate) * SERVER_ERROR_STATUSES.length));
      return { kind: 'status', status: SERVER_ERROR_STATUSES[index] };
    }
    u -= serverErrorRate;
    if (u < (o.resetRate ?? 0)) return { kind: 'reset' };
    u -= o.resetRate ?? 0;
    if (u < (o.truncateRate ?? 0)) return { kind: 'truncate' };
    u -= o.truncateRate ?? 0;
    if (u < (o.nonJsonRate ?? 0)) return { kind: 'non_json' };
    return undefined;
  }

  /** Latency for this request in milliseconds. */
  delayMs(): number {
    const latency = this.opts.latencyMs ?? 0;
    const jitter = this.opts.jitterMs ?? 0;
    return jitter > 0 ? latency + this.latencyRandom() * jitter : latency;
  }

  /** Scripted faults not yet fully fired (for the server's diagnostics and tests). */
  get pendingScript(): number {
    return this.script.length;
  }

  private scripted(path: string): Fault | undefined {
    const head = this.script[0];
    if (head === undefined || (head.path !== undefined && !head.path.test(path))) return undefined;
    if (head.seen < head.after) {
      head.seen++;
      return undefined;
    }
    head.fired++;
    if (head.fired >= head.count) this.script.shift();
    return head.status === undefined ? { kind: head.kind } : { kind: head.kind, status: head.status };
  }
}

function validateRates(o: FaultOptions): void {
  let total = 0;
  for (const name of RATE_FIELDS) {
    const v = o[name];
    if (v === undefined) continue;
    if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw new RangeError(`fault option ${name} must be between 0 and 1 (got ${String(v)})`);
    total += v;
  }
  if (total > 1 + 1e-9) throw new RangeError(`fault rates add up to ${total}; their sum must be at most 1`);
}

function compilePath(source: string, label: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new RangeError(`fault option ${label} is not a valid RegExp: ${(err as Error).message}`);
  }
}

function compileScripted(entry: ScriptedFault, i: number): ActiveScript {
  if (!FAULT_KINDS.includes(entry.kind)) throw new RangeError(`script[${i}].kind must be one of ${FAULT_KINDS.join(', ')} (got ${String(entry.kind)})`);
  const after = entry.after ?? 0;
  const count = entry.count ?? 1;
  if (!Number.isInteger(after) || after < 0) throw new RangeError(`script[${i}].after must be an integer >= 0`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`script[${i}].count must be an integer >= 1`);
  let status = entry.status;
  if (entry.kind === 'rate_limit') status = 429;
  if (entry.kind === 'status' && !(Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599)) {
    throw new RangeError(`script[${i}] of kind 'status' needs an HTTP status between 100 and 599`);
  }
  return {
    path: entry.path === undefined ? undefined : compilePath(entry.path, `script[${i}].path`),
    after, kind: entry.kind, status, count, seen: 0, fired: 0,
  };
}
