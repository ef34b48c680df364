// `node .build/bench/same-output.js DIST_A DIST_B [--contacts N]`: the same sandbox workspace read by two builds of
// the connector, the pipeline's streams and then every stream; prints per build the records and a digest of
// every RECORD line (emitted_at left out), and exits 1 when they differ. A change made for speed must leave the
// output as it was, byte for byte. The lines are digested sorted: the order of a read may differ from one read
// to the next (a search read in slices once its round trips dominate: sliced-search.ts), the lines may not.
import { createHash } from 'node:crypto';
import { resolve, join } from 'node:path';
import { catalogFor, runRead, sandboxProcess } from './harness.js';

const args = process.argv.slice(2);
const at = args.indexOf('--contacts');
const contacts = at === -1 ? 20_000 : Number(args.splice(at, 2)[1]);
if (args.length !== 2) {
  console.error('usage: node .build/bench/same-output.js DIST_A DIST_B [--contacts N]');
  process.exit(2);
}
const sandbox = await sandboxProcess({ seed: 7, sizes: { contacts, companies: Math.round(contacts / 20), conversations: Math.round(contacts / 5) }, rateLimitPerMinute: 0 });
let differ = false;
try {
  const config = { access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' };
  for (const streams of [['users', 'leads', 'companies', 'conversations'], 'all'] as const) {
    const catalog = await catalogFor(config, streams === 'all' ? 'all' : [...streams]);
    const seen: string[] = [];
    for (const dist of args) {
      const run = await runRead({ config, catalog, keepRecords: true, main: join(resolve(dist), 'main.js') });
      const digest = createHash('sha256');
      for (const line of run.lines.map((l) => l.replace(/,"emitted_at":\d+/, '')).sort()) digest.update(line).update('\n');
      const figure = `${run.records} records, RECORD lines ${digest.digest('hex').slice(0, 16)}, exit ${run.exitCode}`;
      console.log(`${streams === 'all' ? 'every stream' : streams.join(' ')}: ${dist}: ${figure}`);
      seen.push(figure);
    }
    if (seen[0] !== seen[1]) differ = true;
  }
} finally {
  await sandbox.stop();
}
console.log(differ ? 'the outputs differ' : 'the same output');
process.exit(differ ? 1 : 0);
