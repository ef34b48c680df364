// Issue 4: what segment membership costs by each route on the default sandbox workspace (seed 42).
// Route A (what the connector does): one contacts search per segment, `segment_id = S AND role = R`.
// Route B: one `GET /contacts/{id}/segments` per contact.
// Both are run for real against the sandbox and checked to give the same membership.
import { IntercomClient } from '../src/intercom/http/client.js';
import { startSandbox } from '../sandbox/index.js';
import { catalogFor, runRead } from './harness.js';

const sandbox = await startSandbox({ seed: 42 });
const config = { access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' };
// The same sync with and without segment membership: the difference is what membership costs.
sandbox.log.length = 0;
await runRead({ config, catalog: await catalogFor(config, ['users', 'leads']) });
const baseline = sandbox.log.length;
sandbox.log.length = 0;
const run = await runRead({ config, catalog: await catalogFor(config, ['users', 'leads', 'users__segments', 'leads__segments']), keepRecords: true });
const routeA = sandbox.log.length - baseline;
const viaSearch = new Set(
  run.lines.map((l) => JSON.parse(l).record).filter((r) => r.stream.endsWith('__segments')).map((r) => `${r.data._sdc_source_key_id}:${r.data.id}`),
);

sandbox.log.length = 0;
const client = new IntercomClient({ baseUrl: sandbox.url, accessToken: sandbox.token, intercomVersion: '2.14', log: () => undefined });
const viaContact = new Set<string>();
for (const { id } of sandbox.workspace.ids('contacts')) {
  const body = await client.get<{ data: { id: string }[] }>(`/contacts/${id}/segments`);
  for (const s of body.data) viaContact.add(`${id}:${s.id}`);
}
await client.close();
const routeB = sandbox.log.length;
const same = viaSearch.size === viaContact.size && [...viaSearch].every((k) => viaContact.has(k));
console.log(JSON.stringify({
  contacts: sandbox.workspace.ids('contacts').length,
  segments: sandbox.workspace.ids('segments').length,
  'sync requests without membership': baseline,
  'extra requests, route A (one search per segment and role)': routeA,
  'extra requests, route B (GET /contacts/{id}/segments per contact)': routeB,
  'membership rows': viaSearch.size,
  'both routes agree': same,
}, null, 2));
await sandbox.close();
