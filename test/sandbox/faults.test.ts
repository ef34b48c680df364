import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultPlan, SERVER_ERROR_STATUSES, type Fault, type FaultOptions } from '../../sandbox/faults.js';
import { hashSeed, rng } from '../../sandbox/rng.js';

const run = (plan: FaultPlan, n: number, path = '/contacts/search') =>
  Array.from({ length: n }, () => plan.decide('POST', path));
const rates: FaultOptions = { serverErrorRate: 0.1, resetRate: 0.05, truncateRate: 0.05, nonJsonRate: 0.02 };

test('rng: deterministic floats in [0,1); hashSeed is stable and separates its parts', () => {
  const a = rng(42);
  const b = rng(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, rng(43)));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  assert.equal(hashSeed(1, 'contact', 7), hashSeed(1, 'contact', 7));
  assert.notEqual(hashSeed(1, 'contact', 7), hashSeed(1, 'contact', 8));
  assert.notEqual(hashSeed('a', 1), hashSeed('a1'));
  assert.ok(Number.isInteger(hashSeed('x')) && hashSeed('x') >= 0 && hashSeed('x') < 2 ** 32);
});

test('no options means no faults and no delay', () => {
  const plan = new FaultPlan({});
  assert.ok(run(plan, 1000).every((f) => f === undefined));
  assert.equal(plan.delayMs(), 0);
});

test('random faults are reproducible from the seed and differ across seeds', () => {
  const a = run(new FaultPlan({ seed: 7, ...rates }), 2000);
  const b = run(new FaultPlan({ seed: 7, ...rates }), 2000);
  const c = run(new FaultPlan({ seed: 8, ...rates }), 2000);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const d1 = new FaultPlan({ seed: 7, latencyMs: 5, jitterMs: 10 });
  const d2 = new FaultPlan({ seed: 7, latencyMs: 5, jitterMs: 10 });
  assert.deepEqual(Array.from({ length: 100 }, () => d1.delayMs()), Array.from({ length: 100 }, () => d2.delayMs()));
});

test('rates come out roughly right over 10,000 decisions; 5xx statuses equally likely', () => {
  const faults = run(new FaultPlan({ seed: 1, ...rates }), 10_000);
  const count = (pred: (f: Fault | undefined) => boolean) => faults.filter(pred).length;
  const near = (actual: number, rate: number, label: string) =>
    assert.ok(Math.abs(actual - rate * 10_000) <= Math.max(60, rate * 10_000 * 0.15), `${label}: ${actual} vs ${rate * 10_000}`);
  near(count((f) => f?.kind === 'status'), 0.1, 'server errors');
  near(count((f) => f?.kind === 'reset'), 0.05, 'resets');
  near(count((f) => f?.kind === 'truncate'), 0.05, 'truncations');
  near(count((f) => f?.kind === 'non_json'), 0.02, 'non-JSON bodies');
  near(count((f) => f === undefined), 0.78, 'clean');
  for (const status of SERVER_ERROR_STATUSES) near(count((f) => f?.kind === 'status' && f.status === status), 0.025, `status ${status}`);
  assert.equal(count((f) => f?.kind === 'status' && !(SERVER_ERROR_STATUSES as readonly number[]).includes(f.status ?? 0)), 0);
});

test('latency is latency + uniform(0, jitter)', () => {
  const plan = new FaultPlan({ seed: 3, latencyMs: 20, jitterMs: 10 });
  const delays = Array.from({ length: 10_000 }, () => plan.delayMs());
  assert.ok(delays.every((d) => d >= 20 && d < 30));
  const mean = delays.reduce((s, d) => s + d, 0) / delays.length;
  assert.ok(Math.abs(mean - 25) < 0.3, `mean ${mean}`);
  assert.equal(new FaultPlan({ latencyMs: 15 }).delayMs(), 15);
});

test('random faults spare /me by default and follow `paths` when given', () => {
  const plan = new FaultPlan({ seed: 2, serverErrorRate: 1 });
  assert.ok(run(plan, 100, '/me').every((f) => f === undefined));
  assert.ok(run(plan, 100, '/me?x=1').every((f) => f === undefined));
  assert.ok(run(plan, 100, '/meetings').every((f) => f?.kind === 'status'));
  assert.ok(run(plan, 100, '/admins').every((f) => f?.kind === 'status'));
  const only = new FaultPlan({ seed: 2, resetRate: 1, paths: '^/conversations/\\d+' });
  assert.deepEqual(only.decide('GET', '/conversations/12'), { kind: 'reset' });
  assert.deepEqual(only.decide('GET', '/conversations/99?display_as=plaintext'), { kind: 'reset' });
  assert.equal(only.decide('POST', '/conversations/search'), undefined);
  assert.equal(only.decide('GET', '/me'), undefined);
});

test('a script fires on the right matching request, for `count` requests, entries in order', () => {
  const plan = new FaultPlan({
    script: [
      { path: '^/contacts/search', after: 3, kind: 'status', status: 503 },
      { path: '^/companies/scroll', kind: 'scroll_exists' },
      { after: 1, kind: 'rate_limit', count: 3 },
    ],
  });
  const seen: (Fault | undefined)[] = [];
  const ask = (path: string) => { const f = plan.decide('POST', path); seen.push(f); return f; };
  assert.equal(ask('/companies/scroll'), undefined); // the first entry is not active for this path, the second waits
  for (let i = 0; i < 3; i++) assert.equal(ask('/contacts/search'), undefined, `search ${i + 1}`);
  assert.equal(ask('/admins'), undefined); // other paths do not count
  assert.deepEqual(ask('/contacts/search'), { kind: 'status', status: 503 }); // the 4th matching request
  assert.equal(ask('/contacts/search'), undefined);
  assert.equal(plan.pendingScript, 2);
  assert.deepEqual(ask('/companies/scroll?scroll_param=abc'), { kind: 'scroll_exists' });
  assert.equal(ask('/tags'), undefined); // after: 1 on any path
  for (let i = 0; i < 3; i++) assert.deepEqual(ask('/tags'), { kind: 'rate_limit', status: 429 }, `storm ${i + 1}`);
  assert.equal(ask('/tags'), undefined);
  assert.equal(plan.pendingScript, 0);
});

test('scripted faults take precedence over random ones, which keep running around them', () => {
  const plan = new FaultPlan({ seed: 5, truncateRate: 1, script: [{ after: 1, kind: 'non_json' }] });
  assert.deepEqual(plan.decide('GET', '/tags'), { kind: 'truncate' });
  assert.deepEqual(plan.decide('GET', '/tags'), { kind: 'non_json' });
  assert.deepEqual(plan.decide('GET', '/tags'), { kind: 'truncate' });
});

test('update() switches faults at run time', () => {
  const plan = new FaultPlan({ seed: 9 });
  assert.ok(run(plan, 200).every((f) => f === undefined));
  plan.update({ serverErrorRate: 1 });
  assert.ok(run(plan, 200).every((f) => f?.kind === 'status'));
  plan.update({ serverErrorRate: 0, resetRate: 1 });
  assert.ok(run(plan, 200).every((f) => f?.kind === 'reset'));
  plan.update({ resetRate: 0, latencyMs: 50 });
  assert.ok(run(plan, 200).every((f) => f === undefined));
  assert.equal(plan.delayMs(), 50);
  plan.update({ script: [{ kind: 'scroll_expired' }] });
  assert.deepEqual(plan.decide('GET', '/companies/scroll'), { kind: 'scroll_expired' });
  assert.equal(plan.decide('GET', '/companies/scroll'), undefined);
  // A new seed restarts the random sequence.
  plan.update({ seed: 11, ...rates });
  const first = run(plan, 500);
  plan.update({ seed: 11 });
  assert.deepEqual(run(plan, 500), first);
});

test('invalid options are refused with a message naming the option, leaving the plan unchanged', () => {
  assert.throws(() => new FaultPlan({ resetRate: 1.5 }), /resetRate must be between 0 and 1/);
  assert.throws(() => new FaultPlan({ serverErrorRate: 0.6, resetRate: 0.6 }), /sum must be at most 1/);
  assert.throws(() => new FaultPlan({ latencyMs: -1 }), /latencyMs must be a number >= 0/);
  assert.throws(() => new FaultPlan({ paths: '(' }), /paths is not a valid RegExp/);
  assert.throws(() => new FaultPlan({ script: [{ kind: 'status' }] }), /script\[0\] of kind 'status' needs an HTTP status/);
  assert.throws(() => new FaultPlan({ script: [{ kind: 'reset', after: -1 }] }), /script\[0\]\.after/);
  assert.throws(() => new FaultPlan({ script: [{ kind: 'reset', count: 0 }] }), /script\[0\]\.count/);
  assert.throws(() => new FaultPlan({ script: [{ kind: 'explode' as never }] }), /script\[0\]\.kind must be one of/);
  const plan = new FaultPlan({ seed: 1, resetRate: 1 });
  assert.throws(() => plan.update({ resetRate: 0.5, truncateRate: 0.7 }), /sum must be at most 1/);
  assert.deepEqual(plan.decide('GET', '/tags'), { kind: 'reset' });
});
