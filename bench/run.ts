// `npm run bench -- [pipeline|parts|memory|small|startup|faults|latency|all] [--runs N] [--workers N[,N...]] [--latency-ms N] [--crowded-one-in N]`: the throughput, rate-limit, memory and fault
// scenarios of issue 5. --crowded-one-in: the pipeline's workspace with about one contact in N crowded (more
// than 10 tags and companies: follow-up requests; the sandbox's default 23, 0 for none). Each prints a table row and writes bench/results/<scenario>.json.
import { cpus, loadavg } from 'node:os';
import { startSandbox } from '../sandbox/index.js';
import { catalogFor, RESPONSE_CACHE_BYTES, runRead, sandboxProcess, saveResult, streamRates, table } from './harness.js';
import { startup } from './startup.js';

const START = '2000-01-01T00:00:00Z';
const PIPELINE_STREAMS = ['users', 'leads', 'companies', 'conversations'];

/** `--name value` from the command line, or undefined. */
function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
/** A share (%) as printed: '?' when it was not measured. */
const percent = (share: number | undefined) => (share === undefined ? '?' : share.toFixed(0));

interface PipelineRun {
  records: number; seconds: number; rate: number; cpuUs: number; mainUs: number; rss: number; mbps: number; exit: number | null; errors: number;
  /** Share of the read (%) the connector's main thread ran, and waited for a core (ready to run). */
  mainRunPct: number; mainWaitPct: number | undefined;
  /** CPU per record (us) of the sandbox and of the benchmark's reader of stdout: what shares the cores with the connector. */
  sandboxUs: number; readerUs: number;
  /** records/s of each stream between its first and last record (harness streamRates). */
  byStream: Map<string, number | undefined>;
}

/** `users 18000, leads 16500, ...`: each stream's records/s (between its first and last record), median over the runs. */
function streamPaces(runs: PipelineRun[]): string {
  const names = [...new Set(runs.flatMap((r) => [...r.byStream.keys()]))];
  return names.map((name) => {
    const rates = runs.map((r) => r.byStream.get(name)).filter((x): x is number => x !== undefined);
    return `${name} ${rates.length ? median(rates) : '-'}`;
  }).join(', ');
}

/** The row of one setting (median of its runs). */
function pipelineRow(runs: PipelineRun[]): Record<string, unknown> {
  const best = runs.find((r) => r.rate === median(runs.map((x) => x.rate)))!;
  return {
    runs: runs.length,
    records: best.records,
    seconds: best.seconds.toFixed(1),
    'records/s': best.rate,
    'records/s each': runs.map((r) => r.rate).join(' '),
    'CPU us/record': median(runs.map((r) => r.cpuUs)).toFixed(1),
    'main thread us/record': median(runs.map((r) => r.mainUs)).toFixed(1),
    'main thread running / waiting for a core %': `${percent(median(runs.map((r) => r.mainRunPct)))} / ${percent(runs.some((r) => r.mainWaitPct === undefined) ? undefined : median(runs.map((r) => r.mainWaitPct!)))}`,
    'CPU us/record of the sandbox / the reader': `${median(runs.map((r) => r.sandboxUs)).toFixed(1)} / ${median(runs.map((r) => r.readerUs)).toFixed(1)}`,
    'records/s by stream': streamPaces(runs),
    'MB/s out': best.mbps.toFixed(1),
    'peak RSS MB': Math.max(...runs.map((r) => r.rss)),
    exit: runs.map((r) => r.exit).join(' '),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    'load avg': load(),
    machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
  };
}

/**
 * The pipeline: `runs` reads of the same prewarmed sandbox for each page-worker setting (`workers`: values of
 * SOURCE_INTERCOM_WORKERS; undefined: the connector's default), the settings interleaved run by run so the load
 * of a shared machine falls on each alike (median reported). Besides wall-clock records/s, the connector's own
 * CPU time per record (user + sys, all threads) and its main thread's alone: the share no worker can take,
 * which bounds records/s whatever the cores. The load average is printed beside it.
 */
async function pipeline(contacts: number, opts: { slowConsumer?: boolean; runs?: number; workers?: (string | undefined)[]; crowdedOneIn?: number } = {}): Promise<Record<string, unknown>[]> {
  const sizes = { contacts, companies: Math.round(contacts / 20), conversations: Math.round(contacts / 5) };
  // Prewarmed where the render cache holds the workspace: the sandbox then serves as a database would, and the
  // figure is the connector's (Intercom's own serving cost is not what we measure). For throughput, the sandbox
  // also keeps whole response bodies (sandbox/response-cache.ts), filled by one read that is not counted: on
  // two cores, CPU the sandbox spends making the same pages again is CPU the connector does not get.
  const prewarm = contacts <= 100_000;
  const keepResponses = prewarm && !opts.slowConsumer;
  const sandbox = await sandboxProcess({ seed: 42, sizes, rateLimitPerMinute: 0, prewarm, crowdedOneIn: opts.crowdedOneIn, responseCacheBytes: keepResponses ? RESPONSE_CACHE_BYTES : 0 });
  const settings = opts.workers ?? [undefined];
  try {
    const config = { access_token: sandbox.token, base_url: sandbox.url, start_date: START };
    const catalog = await catalogFor(config, PIPELINE_STREAMS);
    if (keepResponses) {
      const warm = await runRead({ config, catalog });
      console.log(`  warm-up read (not counted): ${warm.records} records in ${warm.seconds.toFixed(1)} s, the sandbox's response cache filled`);
    }
    const runs = settings.map((): PipelineRun[] => []);
    for (let i = 0; i < (opts.runs ?? 1); i++) {
      for (const [k, workers] of settings.entries()) {
        const loadBefore = load();
        const sandboxBefore = sandbox.cpuSeconds();
        const readerBefore = process.cpuUsage();
        const run = await runRead({
          config, catalog,
          slowConsumer: opts.slowConsumer ? { everyBytes: 1 << 20, pauseMs: 40 } : undefined,
          env: workers === undefined ? undefined : { SOURCE_INTERCOM_WORKERS: workers },
        });
        const reader = process.cpuUsage(readerBefore);
        const sandboxSeconds = sandbox.cpuSeconds() - sandboxBefore;
        const row: PipelineRun = {
          records: run.records,
          seconds: run.seconds,
          rate: Math.round(run.records / run.seconds),
          cpuUs: (1e6 * run.cpuSeconds) / run.records,
          mainUs: (1e6 * run.mainCpuSeconds) / run.records,
          rss: run.peakRssMb,
          mbps: run.bytes / 1e6 / run.seconds,
          exit: run.exitCode,
          errors: run.errors.length,
          byStream: streamRates(run),
          mainRunPct: (100 * run.mainCpuSeconds) / run.seconds,
          mainWaitPct: run.mainWaitSeconds === undefined ? undefined : (100 * run.mainWaitSeconds) / run.seconds,
          sandboxUs: (1e6 * sandboxSeconds) / run.records,
          readerUs: (reader.user + reader.system) / run.records,
        };
        const label = workers === undefined ? '' : `workers ${workers}, `;
        console.log(`  ${label}run ${i + 1}: ${row.records} records in ${row.seconds.toFixed(1)} s = ${row.rate} records/s, ${row.cpuUs.toFixed(1)} us CPU/record (main thread ${row.mainUs.toFixed(1)}: running ${percent(row.mainRunPct)} % of the read, waiting for a core ${percent(row.mainWaitPct)} %; sandbox ${row.sandboxUs.toFixed(1)}, reader ${row.readerUs.toFixed(1)}), peak RSS ${row.rss} MB (load ${loadBefore}); by stream: ${streamPaces([row])}`);
        runs[k]!.push(row);
      }
    }
    return settings.map((workers, k) => ({
      scenario: opts.slowConsumer ? 'memory, slow reader' : 'pipeline',
      contacts,
      workers: workers ?? 'default',
      ...(opts.crowdedOneIn === undefined ? {} : { 'crowded one in': opts.crowdedOneIn }),
      ...pipelineRow(runs[k]!),
    }));
  } finally {
    await sandbox.stop();
  }
}

/**
 * A small sync: every stream of the default sandbox workspace (300 contacts, 60 companies, 200 conversations),
 * as a first sync of a small customer would be. Peak RSS is the figure (median of `runs`).
 */
async function smallSync(runs: number): Promise<Record<string, unknown>> {
  const sandbox = await sandboxProcess({ seed: 42 });
  try {
    const config = { access_token: sandbox.token, base_url: sandbox.url, start_date: START };
    const catalog = await catalogFor(config, 'all');
    const rows = [];
    for (let i = 0; i < runs; i++) {
      const run = await runRead({ config, catalog });
      console.log(`  run ${i + 1}: ${run.records} records of ${run.recordsByStream.size} streams in ${run.seconds.toFixed(1)} s, ${run.cpuSeconds.toFixed(2)} s CPU, peak RSS ${run.peakRssMb} MB, exit ${run.exitCode}`);
      rows.push(run);
    }
    const rss = median(rows.map((r) => r.peakRssMb));
    return {
      scenario: 'small sync',
      streams: rows[0]!.recordsByStream.size,
      records: rows[0]!.records,
      seconds: median(rows.map((r) => r.seconds)).toFixed(1),
      'peak RSS MB': rss,
      'peak RSS MB each': rows.map((r) => r.peakRssMb).join(' '),
      // The connector's CPU time (user + sys, all its threads): a small job is set up for memory (src/v8-flags.ts).
      'CPU s': median(rows.map((r) => r.cpuSeconds)).toFixed(2),
      exit: rows.map((r) => r.exitCode).join(' '),
      errors: rows.reduce((a, r) => a + r.errors.length, 0),
      'load avg': load(),
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

/**
 * Reads as Intercom serves them: every response `latencyMs` late, at Intercom's default limit of 10,000
 * requests a minute. One search is read one page after the other (each page's cursor comes from the page
 * before), so a search read in one sequence delivers at most 150 records per round trip, however fast the
 * connector is; large searches are read in slices at once (src/intercom/streams/sliced-search.ts). This is
 * where a real sync's time goes, and what the CPU-bound pipeline scenario leaves out.
 */
async function latency(sizes: { contacts: number; companies: number; conversations: number }, streams: string[], latencyMs: number): Promise<Record<string, unknown>> {
  const sandbox = await sandboxProcess({ seed: 42, sizes, rateLimitPerMinute: 10_000, faults: { latencyMs } });
  try {
    const config = { access_token: sandbox.token, base_url: sandbox.url, start_date: START };
    const catalog = await catalogFor(config, streams);
    const run = await runRead({ config, catalog });
    console.log(`  ${run.records} records in ${run.seconds.toFixed(1)} s, ${run.cpuSeconds.toFixed(1)} s CPU, exit ${run.exitCode}`);
    return {
      scenario: 'reads at Intercom latency',
      streams: streams.join(' '),
      ...sizes,
      'latency ms': latencyMs,
      records: run.records,
      seconds: run.seconds.toFixed(1),
      'records/s': Math.round(run.records / run.seconds),
      // One search page of 150 per round trip: the bound of a table read one page after the other.
      'one search, pages in sequence: records/s at most': Math.round((150 * 1000) / latencyMs),
      'CPU busy %': ((100 * run.cpuSeconds) / run.seconds).toFixed(0),
      'peak RSS MB': run.peakRssMb,
      exit: run.exitCode,
      errors: run.errors.length,
      'load avg': load(),
    };
  } finally {
    await sandbox.stop();
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
// --workers 0,1,2,4: those page-worker settings, interleaved (default: the connector's own default).
const workers = option('workers')?.split(',');
if (which === 'pipeline' || which === 'all') {
  const crowded = option('crowded-one-in');
  const rows = await pipeline(100_000, { runs: Number(option('runs') ?? 3), workers, crowdedOneIn: crowded === undefined ? undefined : Number(crowded) });
  const workspace = crowded === undefined ? '' : `-crowded-one-in-${crowded}`;
  if (workers === undefined) record(`pipeline-100k${workspace}`, rows[0]!);
  else if (rows.length === 1) record(`pipeline-100k${workspace}-w${workers[0]}`, rows[0]!);
  else {
    for (const row of rows) results.push(row);
    console.log(table(rows));
    console.log(`saved ${saveResult(`pipeline-100k${workspace}-workers-${workers.join('-')}`, { rows })}\n`);
  }
}
if (which === 'parts' || which === 'all') {
  record('parts-1000', await partsAtLimit(1_000));
  record('parts-10000', await partsAtLimit(10_000));
}
if (which === 'memory' || which === 'small' || which === 'all') record('memory-small-sync', await smallSync(Number(option('runs') ?? 3)));
if (which === 'memory' || which === 'all') {
  record('memory-1m', (await pipeline(1_000_000))[0]!);
  record('memory-slow-reader', (await pipeline(100_000, { slowConsumer: true }))[0]!);
}
if (which === 'startup' || which === 'all') {
  const sandbox = await sandboxProcess({ seed: 42 });
  try {
    record('startup', { ...(await startup(sandbox, Number(option('runs') ?? 10))), 'load avg': load(), machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}` });
  } finally {
    await sandbox.stop();
  }
}
if (which === 'faults' || which === 'all') record('faults', await faults());
if (which === 'latency' || which === 'all') {
  const ms = Number(option('latency-ms') ?? 150);
  record(`pipeline-latency-${ms}ms`, await latency({ contacts: 20_000, companies: 1_000, conversations: 4_000 }, PIPELINE_STREAMS, ms));
  record(`conversations-latency-${ms}ms`, await latency({ contacts: 1_000, companies: 50, conversations: 40_000 }, ['conversations'], ms));
}
if (which.startsWith('parts:')) {
  const [, limit, concurrency] = which.split(':');
  record(`parts-${limit}-c${concurrency}`, await partsAtLimit(Number(limit), Number(concurrency)));
}
console.log(table(results));
