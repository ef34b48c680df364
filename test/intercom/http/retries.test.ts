import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientFor, errorList, fakeIntercom, json, thrown, TOKEN, type LogLine } from './fake-intercom.js';

function assertNoToken(logs: LogLine[], ...errors: Error[]): void {
  for (const line of logs) assert.ok(!line.message.includes(TOKEN), `token in log line: ${line.message}`);
  for (const err of errors) {
    assert.ok(!err.message.includes(TOKEN), 'token in error message');
    assert.ok(!String((err as { internalMessage?: string }).internalMessage ?? '').includes(TOKEN), 'token in internal message');
    assert.ok(!String(err.stack ?? '').includes(TOKEN), 'token in stack');
  }
}

test('sends auth, Accept and Intercom-Version headers, parses JSON, keeps the connection alive', async () => {
  const server = await fakeIntercom((_req, res) => json(res, 200, { type: 'admin', id: '1' }));
  const { client } = clientFor(server);
  try {
    const me = await client.get<{ id: string }>('/me', { a: 1, skip: undefined });
    assert.equal(me.id, '1');
    const [req] = server.requests;
    assert.equal(req!.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(req!.headers.accept, 'application/json');
    assert.equal(req!.headers['intercom-version'], '2.11');
    assert.equal(req!.url, '/me?a=1');
    await client.post('/contacts/search', { query: { field: 'x' } });
    assert.equal(server.requests[1]!.headers['content-type'], 'application/json');
    assert.deepEqual(server.requests[1]!.body, { query: { field: 'x' } });
    for (let i = 0; i < 4; i++) await client.get('/me');
    const connections = new Set(server.requests.map((r) => r.remotePort)).size;
    assert.ok(connections <= 2, `${connections} connections for 6 requests in sequence: kept alive and reused`);
  } finally {
    await client.close();
    await server.close();
  }
});

test('500/502/503/504 are retried with backoff, then the answer is returned; one WARN per retry burst', async () => {
  const statuses = [500, 502, 503, 504, 200, 503, 200, 200];
  const server = await fakeIntercom((_req, res) => {
    const status = statuses[server.requests.length - 1]!;
    if (status === 200) json(res, 200, { ok: true });
    else errorList(res, status, 'server_error', 'boom');
  });
  let clock = 1_000_000;
  const { client, logs } = clientFor(server, { now: () => clock });
  const warns = () => logs.filter((l) => l.level === 'WARN').map((l) => l.message);
  try {
    assert.deepEqual(await client.get('/conversations/9'), { ok: true });
    assert.equal(server.requests.length, 5);
    const s = client.stats();
    assert.equal(s.retries, 4);
    assert.equal(s.requests, 5);
    assert.equal(s.byStatus['503'], 1);
    assert.equal(warns().length, 1, 'one WARN for the burst of 4 retries');
    assert.match(warns()[0]!, /^GET \/conversations\/9: status 500 \(attempt 1 of 6\); retrying in \d+\.\d s$/);
    clock += 6_000; // a quiet spell: the next retry is a new burst
    await client.get('/conversations/10');
    assert.equal(warns().length, 2);
    assert.match(warns()[1]!, /^GET \/conversations\/10: status 503 \(attempt 1 of 6\); retrying in .* \(3 more retries since the last warning\)$/);
    await client.get('/conversations/11');
    assert.equal(warns().length, 2, 'a successful request logs nothing');
  } finally {
    await client.close();
    await server.close();
  }
});

test('exhausted retries -> transient_error naming the endpoint and the last status, never the token', async () => {
  const server = await fakeIntercom((_req, res) => errorList(res, 503, 'service_unavailable', 'down'));
  const { client, logs } = clientFor(server);
  try {
    const err = await thrown(() => client.get('/conversations/123', { display_as: 'plaintext' }));
    assert.equal(err.failureType, 'transient_error');
    assert.equal(err.message, 'GET /conversations/123 failed after 6 attempts: last status 503');
    assert.equal(server.requests.length, 6);
    assertNoToken(logs, err);
  } finally {
    await client.close();
    await server.close();
  }
});

test('connection resets are retried', async () => {
  const server = await fakeIntercom((_req, res, socket) => {
    if (server.requests.length <= 2) void socket.destroy();
    else json(res, 200, { ok: 1 });
  });
  const { client, logs } = clientFor(server);
  try {
    assert.deepEqual(await client.get('/tags'), { ok: 1 });
    assert.equal(server.requests.length, 3);
    assert.match(logs.find((l) => l.level === 'WARN')!.message, /GET \/tags: connection error (ECONNRESET|UND_ERR_SOCKET)/);
    const always = await fakeIntercom((_req, _res, socket) => void socket.destroy());
    const second = clientFor(always, { maxAttempts: 3 });
    try {
      const err = await thrown(() => second.client.get('/tags'));
      assert.equal(err.failureType, 'transient_error');
      assert.match(err.message, /^GET \/tags failed after 3 attempts: last connection error/);
      assertNoToken(second.logs, err);
    } finally {
      await second.client.close();
      await always.close();
    }
  } finally {
    await client.close();
    await server.close();
  }
});

test('a server that never answers times out after requestTimeoutMs and is retried', async () => {
  const server = await fakeIntercom((_req, res) => {
    if (server.requests.length === 3) json(res, 200, { late: false });
    // otherwise: never answer
  });
  const { client } = clientFor(server, { requestTimeoutMs: 200, maxAttempts: 3 });
  try {
    const started = Date.now();
    assert.deepEqual(await client.get('/admins'), { late: false });
    assert.ok(Date.now() - started >= 400, 'two timeouts of 200 ms happened');
    assert.equal(client.stats().byStatus.timeout, 2);
    const hung = await fakeIntercom(() => undefined);
    const second = clientFor(hung, { requestTimeoutMs: 200, maxAttempts: 2 });
    try {
      const err = await thrown(() => second.client.get('/admins'));
      assert.equal(err.failureType, 'transient_error');
      assert.match(err.message, /^GET \/admins failed after 2 attempts: last timeout after 200 ms/);
    } finally {
      await second.client.close();
      await hung.close();
    }
  } finally {
    await client.close();
    await server.close();
  }
});

test('a body that stops half-way times out after requestTimeoutMs too (the deadline covers the body), and is retried', async () => {
  const server = await fakeIntercom((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    if (server.requests.length === 2) res.end(JSON.stringify({ whole: true }).padEnd(100, ' '));
    else res.write('{"half":');
  });
  const { client } = clientFor(server, { requestTimeoutMs: 200, maxAttempts: 3 });
  try {
    const started = Date.now();
    assert.deepEqual(await client.get('/admins'), { whole: true });
    const took = Date.now() - started;
    // Exact: undici's own body timeout (the same 200 ms) ticks coarsely and would end it after ~1 s.
    assert.ok(took >= 200 && took < 800, `one timeout of 200 ms happened: ${took} ms`);
    assert.equal(client.stats().byStatus.timeout, 1);
    assert.equal(server.requests.length, 2);
  } finally {
    await client.close();
    await server.close();
  }
});

test('a 200 with an empty or non-JSON body is retried', async () => {
  const bodies = ['', '<html>oops</html>', '{"truncated": '];
  const server = await fakeIntercom((_req, res) => {
    const body = bodies[server.requests.length - 1];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body ?? '{"fine":true}');
  });
  const { client, logs } = clientFor(server);
  try {
    assert.deepEqual(await client.get('/teams'), { fine: true });
    assert.equal(server.requests.length, 4);
    assert.equal(client.stats().retries, 3);
    assert.match(logs.find((l) => l.level === 'WARN')!.message, /GET \/teams: status 200 with an empty body \(attempt 1 of 6\)/);
    const bad = await fakeIntercom((_req, res) => void res.end("not json"));
    const second = clientFor(bad, { maxAttempts: 2 });
    try {
      const err = await thrown(() => second.client.get('/teams'));
      assert.equal(err.message, 'GET /teams failed after 2 attempts: last status 200 with a body that is not valid JSON');
    } finally {
      await second.client.close();
      await bad.close();
    }
  } finally {
    await client.close();
    await server.close();
  }
});

test('401, 403, 404, 400 and 422 are mapped to the right failure and not retried', async () => {
  const answers: Record<string, [number, string, string]> = {
    '/me': [401, 'token_revoked', 'Token revoked'],
    '/tickets': [403, 'forbidden', 'You do not have the required scope: read_tickets'],
    '/admins/activity_logs': [403, 'api_plan_restricted', 'Active subscription needed.'],
    '/conversations/7': [404, 'not_found', 'Resource Not Found'],
    '/contacts/search': [400, 'parameter_invalid', 'per_page must be at most 150'],
    '/companies/list': [422, 'parameter_invalid', 'bad'],
  };
  const server = await fakeIntercom((req, res) => errorList(res, ...answers[req.path]!));
  const { client, logs } = clientFor(server);
  try {
    const unauthorized = await thrown(() => client.get('/me'));
    assert.equal(unauthorized.failureType, 'config_error');
    assert.equal(unauthorized.message, 'The Intercom access token is invalid or revoked (401 unauthorized). Update access_token.');

    const scope = await thrown(() => client.get('/tickets'));
    assert.equal(scope.failureType, 'config_error');
    assert.match(scope.message, /GET \/tickets/);
    assert.match(scope.message, /read_tickets/);
    assert.match(scope.message, /scope/);

    const plan = await thrown(() => client.get('/admins/activity_logs'));
    assert.equal(plan.failureType, 'config_error');
    assert.match(plan.message, /plan/);
    assert.match(plan.message, /Active subscription needed/);

    const missing = await thrown(() => client.get('/conversations/7'));
    assert.equal(missing.failureType, 'system_error');
    assert.match(missing.message, /404 not_found/);
    assert.equal(await client.get('/conversations/7', undefined, { notFound: 'undefined' }), undefined);

    const invalid = await thrown(() => client.post('/contacts/search', { query: {} }));
    assert.equal(invalid.failureType, 'system_error');
    assert.match(invalid.message, /POST \/contacts\/search.*per_page must be at most 150/);

    const unprocessable = await thrown(() => client.post('/companies/list', {}));
    assert.equal(unprocessable.failureType, 'system_error');
    assert.match(unprocessable.message, /422 parameter_invalid/);

    assert.equal(server.requests.length, 7, 'one request each: none retried');
    assert.equal(client.stats().retries, 0);
    assertNoToken(logs, unauthorized, scope, plan, missing, invalid, unprocessable);
  } finally {
    await client.close();
    await server.close();
  }
});

test('absolute URLs are followed on the same host only; the token never goes elsewhere', async () => {
  const server = await fakeIntercom((req, res) => json(res, 200, { path: req.path, q: req.query.get('x') }));
  const { client } = clientFor(server);
  try {
    assert.deepEqual(await client.get(`${server.url}/contacts/1/tags?x=2`), { path: '/contacts/1/tags', q: '2' });
    const err = await thrown(() => client.get('https://evil.example.com/contacts/1/tags'));
    assert.equal(err.failureType, 'system_error');
    assert.equal(server.requests.length, 1);
  } finally {
    await client.close();
    await server.close();
  }
});
