// Intercom's search cursor is stateless: records updated while a sync pages through a search move inside
// the result set. No record that was NOT updated may be skipped because others moved, and every updated
// record reaches the warehouse by the next sync, even with an attribution window of 0.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { configuredCatalog, lastStates, records, runConnector } from '../helpers/connector.js';

let sandbox: Sandbox;
let catalog: { streams: any[] };
const config = () => ({ access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z', attribution_window_days: 0 });

before(async () => {
  // 'offset' cursors, as the field notes warn: the position is re-applied to a result set that has changed.
  sandbox = await startSandbox({ seed: 31, searchCursor: 'offset', sizes: { contacts: 1200, companies: 10, conversations: 900, partsHeavy: 0 } });
  catalog = (await runConnector('discover', { config: config() })).messages.find((m) => m.type === 'CATALOG')!.catalog;
});
after(async () => { await sandbox.close(); });

for (const [stream, path, entity] of [['conversations', '/conversations/search', 'conversations'], ['users', '/contacts/search', 'users']] as const) {
  test(`${stream}: records updated mid-sync skip no other record, and reach the next sync`, async () => {
    const truth = sandbox.workspace.ids(entity);
    const byAge = [...truth].sort((a, b) => a.updated_at - b.updated_at);
    // Oldest, middle and newest records, so a move shifts positions whichever way the pages run.
    const moving = [...byAge.slice(0, 8), ...byAge.slice(400, 408), ...byAge.slice(-8)].map((r) => r.id);
    sandbox.setOptions({});
    sandbox.faults.update({ latencyMs: 40 });
    sandbox.log.length = 0;
    const running = runConnector('read', { config: config(), catalog: configuredCatalog(catalog, [stream], 'incremental') });
    // Touch once the first page was served, while the rest is still to come.
    while (!sandbox.log.some((e) => e.path === path && e.status === 200)) await new Promise((r) => setTimeout(r, 5));
    sandbox.workspace.touchIds(entity, moving);
    const first = await running;
    sandbox.faults.update({ latencyMs: 0 });
    assert.equal(first.code, 0);
    assert.ok(sandbox.log.filter((e) => e.path === path).length >= 4, 'the search took several pages');
    const emitted = new Set(records(first.messages).map((r) => String(r.id)));
    const moved = new Set(moving);
    const skipped = truth.filter((r) => !moved.has(r.id) && !emitted.has(r.id)).map((r) => r.id);
    assert.deepEqual(skipped, [], 'no untouched record is skipped');
    const second = await runConnector('read', { config: config(), catalog: configuredCatalog(catalog, [stream], 'incremental'), state: lastStates(first.messages) });
    for (const r of records(second.messages)) emitted.add(String(r.id));
    assert.deepEqual(moving.filter((id) => !emitted.has(id)), [], 'every touched record arrives by the next sync');
  });
}
