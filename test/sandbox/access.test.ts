import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSandbox } from '../../sandbox/index.js';
import { call } from './helpers.js';

test('401 unauthorized for a wrong token, without rate-limit headers', async () => {
  const sb = await startSandbox({ seed: 1 });
  try {
    const reply = await call(sb, 'GET', '/admins', undefined, { authorization: 'Bearer nope' });
    assert.equal(reply.status, 401);
    assert.equal(reply.json.type, 'error.list');
    assert.deepEqual(reply.json.errors, [{ code: 'unauthorized', message: 'Access Token Invalid' }]);
    assert.equal(reply.headers.get('x-ratelimit-limit'), null);
    assert.equal((await call(sb, 'GET', '/admins', undefined, { accept: 'text/html' })).status, 406);
  } finally { await sb.close(); }
});

test('withheld scopes answer 403 forbidden naming the scope; /me stays available', async () => {
  const sb = await startSandbox({ seed: 1, scopesWithheld: ['read_conversations'] });
  try {
    const reply = await call(sb, 'POST', '/conversations/search', { query: { field: 'updated_at', operator: '>', value: 0 } });
    assert.equal(reply.status, 403);
    assert.equal(reply.json.errors[0].code, 'forbidden');
    assert.match(reply.json.errors[0].message, /read_conversations/);
    assert.equal((await call(sb, 'GET', '/me')).status, 200);
    assert.equal((await call(sb, 'GET', '/admins')).status, 200);
    sb.setOptions({ planRestricted: true });
    const plan = await call(sb, 'GET', '/admins');
    assert.equal(plan.status, 403);
    assert.deepEqual(plan.json.errors[0], { code: 'api_plan_restricted', message: 'Active subscription needed.' });
  } finally { await sb.close(); }
});

test('rate limit: headers on every authenticated response, 429 past the window budget, reset on the next window', async () => {
  let now = 1_700_000_000_000;
  const sb = await startSandbox({ seed: 1, rateLimitPerMinute: 60, now: () => now });   // 10 per 10-second window
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const reply = await call(sb, 'GET', '/tags');
      statuses.push(reply.status);
      assert.equal(reply.headers.get('x-ratelimit-limit'), '10');
      assert.equal(reply.headers.get('x-ratelimit-reset'), String(1_700_000_010));
      assert.equal(reply.headers.get('retry-after'), null);
      if (i < 10) assert.equal(reply.headers.get('x-ratelimit-remaining'), String(9 - i));
      else assert.deepEqual(reply.json.errors[0], { code: 'rate_limit_exceeded', message: 'Exceeded rate limit of 10 in 10_seconds' });
    }
    assert.deepEqual(statuses, [...Array(10).fill(200), 429]);
    now += 10_000;
    assert.equal((await call(sb, 'GET', '/tags')).status, 200);
  } finally { await sb.close(); }
});

test('versions: 2.11 and 2.14 ticket_state, 2.16 priority/assignee/owner_id, unknown version 400', async () => {
  const sb = await startSandbox({ seed: 2 });
  try {
    const body = { query: { field: 'updated_at', operator: '>', value: 0 }, pagination: { per_page: 50 } };
    const t211 = (await call(sb, 'POST', '/tickets/search', body, { 'intercom-version': '2.11' })).json.tickets;
    const t214 = (await call(sb, 'POST', '/tickets/search', body, { 'intercom-version': '2.14' })).json.tickets;
    assert.ok(t211.every((t: any) => typeof t.ticket_state === 'string' && typeof t.ticket_state_internal_label === 'string'));
    assert.ok(t214.every((t: any) => t.ticket_state.type === 'ticket_state' && !('ticket_state_internal_label' in t)));
    const c214 = (await call(sb, 'POST', '/conversations/search', { ...body, pagination: { per_page: 150 } })).json.conversations;
    const c216 = (await call(sb, 'POST', '/conversations/search', { ...body, pagination: { per_page: 150 } }, { 'intercom-version': '2.16' })).json.conversations;
    assert.ok(c214.every((c: any) => ['priority', 'not_priority'].includes(c.priority)));
    assert.ok(c216.every((c: any) => ['none', 'low', 'medium', 'high', 'urgent'].includes(c.priority)));
    assert.ok(c214.some((c: any) => c.admin_assignee_id === null));
    assert.ok(c216.every((c: any) => Number.isInteger(c.admin_assignee_id)) && c216.some((c: any) => c.admin_assignee_id === 0));
    const owners = (v: string) => call(sb, 'POST', '/contacts/search', { ...body, pagination: { per_page: 150 } }, { 'intercom-version': v });
    assert.ok((await owners('2.14')).json.data.some((c: any) => Number.isInteger(c.owner_id)));
    assert.ok((await owners('2.16')).json.data.some((c: any) => typeof c.owner_id === 'string'));
    const bad = await call(sb, 'GET', '/admins', undefined, { 'intercom-version': '1.4' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errors[0].code, 'intercom_version_invalid');
  } finally { await sb.close(); }
});

test('fault switches: status, reset, truncate, non-JSON, forced 429, scroll faults, latency; all logged', async () => {
  const sb = await startSandbox({ seed: 4 });
  try {
    sb.setOptions({ faults: { script: [{ path: '^/tags$', kind: 'status', status: 503 }] } });
    const s503 = await call(sb, 'GET', '/tags');
    assert.equal(s503.status, 503);
    assert.equal(s503.json.type, 'error.list');
    assert.equal((await call(sb, 'GET', '/tags')).status, 200, 'a one-shot fires once');

    sb.setOptions({ faults: { script: [{ path: '^/tags$', kind: 'reset' }] } });
    await assert.rejects(call(sb, 'GET', '/tags'));

    sb.setOptions({ faults: { script: [{ path: '^/tags$', kind: 'truncate' }] } });
    const cut = await call(sb, 'GET', '/tags');
    assert.equal(cut.status, 200);
    assert.equal(cut.json, undefined, 'truncated body is not JSON');

    sb.setOptions({ faults: { script: [{ path: '^/tags$', kind: 'non_json' }] } });
    const html = await call(sb, 'GET', '/tags');
    assert.equal(html.status, 200);
    assert.match(html.text, /<html>/);

    sb.setOptions({ faults: { script: [{ path: '^/tags$', kind: 'rate_limit', count: 2 }] } });
    assert.deepEqual([(await call(sb, 'GET', '/tags')).status, (await call(sb, 'GET', '/tags')).status, (await call(sb, 'GET', '/tags')).status], [429, 429, 200]);

    sb.setOptions({ faults: { script: [{ path: 'scroll', kind: 'scroll_restart', after: 1 }] } });
    const first = await call(sb, 'GET', '/companies/scroll');
    const restart = await call(sb, 'GET', `/companies/scroll?scroll_param=${first.json.scroll_param}`);
    assert.equal(restart.status, 500);
    assert.match(restart.json.errors[0].message, /restart the scroll/);
    assert.equal((await call(sb, 'GET', '/companies/scroll')).status, 200, 'restart is possible at once');

    sb.setOptions({ faults: { script: [{ path: 'scroll', kind: 'scroll_expired' }] } });
    const open = sb.log.filter((l) => l.path === '/companies/scroll').length;
    assert.ok(open > 0);
    const expired = await call(sb, 'GET', `/companies/scroll?scroll_param=whatever`);
    assert.equal(expired.status, 404);
    sb.setOptions({ faults: { script: [{ path: 'scroll', kind: 'scroll_exists' }] } });
    assert.equal((await call(sb, 'GET', '/companies/scroll')).json.errors[0].code, 'scroll_exists');

    sb.setOptions({ faults: { latencyMs: 60, script: [] } });
    const t0 = performance.now();
    await call(sb, 'GET', '/me');
    assert.ok(performance.now() - t0 >= 55);
    assert.ok(sb.log.some((l) => l.status === 503) && sb.log.some((l) => l.status === 0));
  } finally { await sb.close(); }
});
