// `npm run bench -- [pipeline|parts|memory|faults|all]`: the throughput, rate-limit, memory and fault
// scenarios of issue 5. Each prints a table row and writes bench/results/<scenario>.json.
import { startSandbox } from '../sandbox/index.js';
import { catalogFor, runRead, sandboxProcess, saveResult, table } from './harness.js';

const START = '2000-01-01T00:00:00Z';
const PIPELINE_STREAMS = ['users', 'leads', 'companies', 'conversations'];

async function pipeline(contacts: number, slowConsumer = false): Promise<Record<string, unknown>> {
  const sizes = { contacts, companies: Math.round(contacts / 20), conversations: Math.round(contacts / 5) };
  // Prewarmed where the render cache holds the workspace: the sandbox then serves as a database would, and the
  // figure is the connector's (Intercom's own serving cost is not what we measure).
  const sandbox = await sandboxProcess({ seed: 42, sizes, rateLimitPerMinute: 0, prewarm: contacts <= 100_000 });
  try {
    const config = { access_token: sandbox.token, base_url: sandbox.url, start_date: START };
    const catalog = await catalogFor(config, PIPELINE_STREAMS);
    const run = await runRead({ config, catalog, slowConsumer: slowConsumer ? { everyBytes: 1 << 20, pauseMs: 40 } : undefined });
    return {
      scenario: slowConsumer ? 'memory, slow reader' : 'pipeline',
      contacts,
      records: run.records,
      seconds: run.seconds.toFixed(1),
      'records/s': Math.round(run.records / run.seconds),
      'MB/s out': (run.bytes / 1e6 / run.seconds).toFixed(1),
      'peak RSS MB': run.peakRssMb,
      exit: run.exitCode,
      errors: run.errors.length,
    };
  } finally {
    await sandbox.stop();
  }
}

async function partsAtLimit(perMinute: number, concurrency?: number): Promise<Record<string, unknown>> {
  const sandbox = await startSandbox({
    seed: 42,
    sizes: { contacts: 1000, companies: 50, conversations: 3000, partsHeavy: 3 },
    rateLimitPerMinute: perMinute,
    faults: { latencyMs: 150 },
  });
  try {
    const config: Record<string, unknown> = { access_token: sandbox.token, base_url: sandbox.url, start_date: START };
    if (concurrency) config.concurrency = concurrency;
    const catalog = await catalogFor(config, ['conversations__parts']);
    sandbox.log.length = 0;
    const run = await runRead({ config, catalog });
    const log = sandbox.log.filter((e) => e.path !== '/me');
    // Over the connector's whole run (start-up included): the conservative figure. 10-second windows
    // start full, so the span between the first and last request alone would overstate it.
    const minutes = run.seconds / 60;
    const failed = log.filter((e) => e.status !== 200).length;
    return {
      scenario: 'parts at the limit',
      'limit/min': perMinute,
      concurrency: concurrency ?? 'default',
      requests: log.length,
      'achieved/min': Math.round(log.length / minutes),
      'limit used %': ((100 * log.length) / (minutes * perMinute)).toFixed(1),
      'failed requests': failed,
      'part rows': run.recordsByStream.get('conversations__parts') ?? 0,
      seconds: run.seconds.toFixed(1),
      exit: run.exitCode,
    };
  } finally {
    await sandbox.close();
  }
}

async function faults(): Promise<Record<string, unknown>> {
  const sandbox = await startSandbox({
    seed: 42,
    sizes: { contacts: 10_000, companies: 500, conversations: 2_000 },
    faults: {
      seed: 7,
      serverErrorRate: 0.05,
      resetRate: 0.01,
      script: [
        { kind: 'scroll_exists', path: '^/companies/scroll' },
        { kind: 'rate_limit', after: 40, count: 25 },
        { kind: 'scroll_expired', path: '^/companies/scroll', after: 5 },
      ],
    },
  });
  try {
    const config = { access_token: sandbox.token, base_url: sandbox.url, start_date: START, max_attempts: 10 };
    const catalog = await catalogFor(config, PIPELINE_STREAMS);
    const run = await runRead({ config, catalog, keepRecords: true });
    const emitted = new Map<string, Set<string>>(PIPELINE_STREAMS.map((s) => [s, new Set()]));
    for (const line of run.lines) {
      const { record } = JSON.parse(line) as { record: { stream: string; data: { id: string } } };
      emitted.get(record.stream)!.add(String(record.data.id));
    }
    let missing = 0;
    for (const stream of PIPELINE_STREAMS) {
      for (const { id } of sandbox.workspace.ids(stream as 'users')) if (!emitted.get(stream)!.has(id)) missing++;
    }
    const statuses = new Map<number, number>();
    for (const e of sandbox.log) statuses.set(e.status, (statuses.get(e.status) ?? 0) + 1);
    return {
      scenario: 'faults',
      contacts: 10_000,
      requests: sandbox.log.length,
      'faulted responses': sandbox.log.filter((e) => e.status !== 200).length,
      statuses: [...statuses].map(([s, n]) => `${s}:${n}`).join(' '),
      records: run.records,
      duplicates: run.records - [...emitted.values()].reduce((a, s) => a + s.size, 0),
      'ground-truth ids missing': missing,
      seconds: run.seconds.toFixed(1),
      exit: run.exitCode,
    };
  } finally {
    await sandbox.close();
  }
}

const which = process.argv[2] ?? 'all';
const results: Record<string, unknown>[] = [];
const record = (name: string, row: Record<string, unknown>) => {
  results.push(row);
  console.log(table([row]));
  console.log(`saved ${saveResult(name, row)}\n`);
};
if (which === 'pipeline' || which === 'all') record('pipeline-100k', await pipeline(100_000));
if (which === 'parts' || which === 'all') {
  record('parts-1000', await partsAtLimit(1_000));
  record('parts-10000', await partsAtLimit(10_000));
}
if (which === 'memory' || which === 'all') {
  record('memory-1m', await pipeline(1_000_000));
  record('memory-slow-reader', await pipeline(100_000, true));
}
if (which === 'faults' || which === 'all') record('faults', await faults());
if (which.startsWith('parts:')) {
  const [, limit, concurrency] = which.split(':');
  record(`parts-${limit}-c${concurrency}`, await partsAtLimit(Number(limit), Number(concurrency)));
}
console.log(table(results));
