// V8 settings for the connector's memory, applied before anything else is loaded: this module is the entry's
// first import, so it runs before undici compiles its HTTP parser (llhttp, a WebAssembly module) and before
// the heap holds anything of the connector's. Every setting here is made in-process (v8.setFlagsFromString),
// so it holds however the connector is started: `node dist/main.js`, the package's bin, the Docker ENTRYPOINT.
// Figures: bench/HISTORY.md, "Memory that grows with the job" (small sync, 1M contacts, CPU us/record).
//
// --liftoff-only. Measured with heaptrack on a small sync (`npm run bench -- small`): V8's background tier-up
// of llhttp to TurboFan took ~35 MB of compiler memory (peak malloc 37.5 MB), which glibc keeps in a thread
// arena; with Liftoff (V8's baseline WebAssembly compiler) only, the peak malloc is 6.8 MB. HTTP parsing is a
// small share of the work (the bodies are skipped by length), so the pipeline does not notice.
//
// --heap-growing-percent=50, then at least 100 once the job is large. After each full GC V8 lets the old
// generation grow to a multiple of what survived before the next one starts; left to itself it picked up to 4x
// here, and at 1M contacts the old generation peaked at 63 MB around ~30 MB live, with the garbage of records
// already written waiting. 1.5x while small: small sync -4 MB (81 with 2x, 77-78 with 1.5x). 2x once large:
// 1M contacts 192-208 -> 147 MB peak RSS at 73.1 us CPU/record against main's 79.2 in the same interleaved
// run; 1.5x there gave 135-141 MB but +5-22 % CPU/record in three such runs (more full GCs). And once large,
// while the main thread is busy (BUSY_FOR_HEADROOM), 2x or LARGE_JOB_HEADROOM_BYTES more than survived, whichever
// is more (largeJobGrowingPercent): a read whose old generation keeps 11-16 MB alive ran 17-25 full GCs at 2x,
// and their marking took CPU from both cores.
//
// And a heap and compiler that grow with the job: see SmallJob below.
import { cpuUsage } from 'node:process';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** --heap-growing-percent while the job is small: 1.5x (see the top of this file). */
export const SMALL_JOB_HEAP_GROWING_PERCENT = 50;
export const V8_FLAGS = ['--liftoff-only', `--heap-growing-percent=${SMALL_JOB_HEAP_GROWING_PERCENT}`] as const;
for (const flag of V8_FLAGS) setFlagsFromString(flag);

/** The young generation's size (both semi-spaces, as V8 reports new_space.space_size) while the job is small. */
export const SMALL_YOUNG_GENERATION_BYTES = 4 * 1024 * 1024;
/** Rows announced by the read's ESTIMATE traces from which the job is large (a small sync announces ~900). */
export const LARGE_JOB_ROWS = 10_000;
/** CPU time (user + system, all threads) from which the job is large whatever was announced (small sync: ~1.2 s). */
export const LARGE_JOB_CPU_MS = 2500;
/** --heap-growing-percent once the job is large, at least: 2x. */
export const LARGE_JOB_HEAP_GROWING_PERCENT = 100;
/**
 * Once the job is large and busy, the old generation may also grow by this much past what survived the last full
 * GC before the next one (when that is more than 2x). Memory bounded by a constant, not by a multiple: a read that
 * keeps little alive (11-16 MB at 100,000 contacts) runs a full GC every ~15 MB of promoted objects at 2x, 17-25
 * a read; one that keeps 30 MB alive or more is at 2x anyway.
 */
export const LARGE_JOB_HEADROOM_BYTES = 30 * 1024 * 1024;
/**
 * The headroom is given only while the main thread was busy at least this share of the time since the full GC
 * before (its event loop utilization): then fewer full GCs leave it more of the cores. A read that mostly waits
 * on the server (1M contacts from the sandbox: busy 40-49 %) gains nothing from them and keeps 2x, and its memory:
 * given there, the headroom took its peak RSS to 192-198 MB.
 */
export const BUSY_FOR_HEADROOM = 0.7;
/** The most --heap-growing-percent is set to (a nearly empty old generation would ask for far more). */
export const LARGE_JOB_MAX_GROWING_PERCENT = 900;

/**
 * --heap-growing-percent for a large job whose last full GC left `liveBytes` in the old generation: 2x, or
 * LARGE_JOB_HEADROOM_BYTES more than that, whichever is more (in steps of 10 %, so a live size that moves a
 * little does not set the flag again), at most LARGE_JOB_MAX_GROWING_PERCENT.
 */
export function largeJobGrowingPercent(liveBytes: number): number {
  const forHeadroom = Math.ceil((10 * LARGE_JOB_HEADROOM_BYTES) / Math.max(liveBytes, 1)) * 10;
  return Math.min(LARGE_JOB_MAX_GROWING_PERCENT, Math.max(LARGE_JOB_HEAP_GROWING_PERCENT, forHeadroom));
}

/** What the old generation holds (V8's spaces but the young generation's and the read-only one), in bytes. */
function oldGenerationBytes(): number {
  let bytes = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space' || space.space_name === 'new_large_object_space' || space.space_name === 'read_only_space') continue;
    bytes += space.space_used_size;
  }
  return bytes;
}

/**
 * How often the watcher looks (it stops for good once the job is large). V8 may double the young generation at
 * every scavenge, and a process allocating survivors at full speed scavenges every few milliseconds: with 20 ms
 * between looks the space went 4 -> 8 -> 16 MB before the watcher saw 4 (footprint.test.ts, on a faster machine);
 * with 5 ms it stops at 8 at most. A look costs ~10 us, and only while the job is small.
 */
const WATCH_MS = 5;

/**
 * While the job is small, the process is set up for memory; once it is large, for throughput, for good.
 *
 * - Young generation. V8 starts it at 1 MB and doubles it (--semi-space-growth-factor=2) whenever a semi-space
 *   of objects survived since the last growth, up to 32 MB; a small sync (10.8k records) reached the 32 MB,
 *   ~22 MB of its 107 MB peak RSS. A fixed small one (--max-semi-space-size=2, command line only) costs a
 *   large read +16-26 % CPU/record (records in flight survive and get promoted). So while the job is small a
 *   watcher sets the growth factor to 1 (no growth) once the space reached SMALL_YOUNG_GENERATION_BYTES (back
 *   to 2 should V8 shrink it); V8 reads the factor each time it grows the space (verified on Node 20 / V8 11.3
 *   and Node 22 / V8 12.4).
 * - TurboFan (--no-turbofan while small). A short job does not earn back what optimizing costs: without it a
 *   small sync uses less CPU (1.2 vs 1.6 s) and 3-4 MB less memory (compiler zones and code). Functions that
 *   are hot once the job is large are optimized then.
 *
 * - Old generation: grows by 1.5x after a full GC while small; once large, by 2x, or while the main thread is
 *   busy by LARGE_JOB_HEADROOM_BYTES when that is more, set again after each full GC from what it left (see the
 *   top of this file). The full GCs are seen by a PerformanceObserver of 'gc' entries (perf_hooks is loaded
 *   then, not at start-up).
 *
 * The job is large once the ESTIMATE traces of the read announced LARGE_JOB_ROWS rows (`rowsAnnounced`, fed
 * by the entry: a large table says so on its first page, so a big read pays for the small set-up only during
 * its first requests), or once the process used LARGE_JOB_CPU_MS of CPU (reads that announce little).
 */
class SmallJob {
  private factor = 2;
  /** The --heap-growing-percent set last. */
  private growing = SMALL_JOB_HEAP_GROWING_PERCENT;
  private rows = 0;
  private isLarge = false;
  private readonly watch: NodeJS.Timeout;

  constructor() {
    setFlagsFromString('--no-turbofan');
    this.watch = setInterval(() => this.look(), WATCH_MS);
    this.watch.unref(); // never keeps the process alive
  }

  get large(): boolean {
    return this.isLarge;
  }

  rowsAnnounced(rows: number): void {
    if (this.large) return;
    this.rows += rows;
    if (this.rows >= LARGE_JOB_ROWS) this.grow();
  }

  private look(): void {
    const used = cpuUsage();
    if ((used.user + used.system) / 1000 >= LARGE_JOB_CPU_MS) return this.grow();
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (young) this.setFactor(young.space_size >= SMALL_YOUNG_GENERATION_BYTES ? 1 : 2);
  }

  private grow(): void {
    clearInterval(this.watch);
    this.isLarge = true;
    this.setFactor(2);
    setFlagsFromString('--turbofan');
    this.setGrowingPercent(LARGE_JOB_HEAP_GROWING_PERCENT);
    void import('node:perf_hooks').then(({ PerformanceObserver, constants, performance }) => {
      // A 'gc' entry's detail says which kind of GC it was (Node's GC performance entries).
      const fullGc = (entry: object) => (((entry as { detail?: { kind?: number } }).detail?.kind ?? 0) & constants.NODE_PERFORMANCE_GC_MAJOR) !== 0;
      let since = performance.eventLoopUtilization();
      // Entries come a moment after their GC: what the old generation holds then is what survived, and a little
      // more promoted since (the headroom comes out a little smaller, never larger).
      new PerformanceObserver((list) => {
        if (!list.getEntries().some(fullGc)) return;
        const busy = performance.eventLoopUtilization(since).utilization;
        since = performance.eventLoopUtilization();
        this.setGrowingPercent(busy >= BUSY_FOR_HEADROOM ? largeJobGrowingPercent(oldGenerationBytes()) : LARGE_JOB_HEAP_GROWING_PERCENT);
      }).observe({ entryTypes: ['gc'] });
    }).catch(() => undefined); // without the observer the old generation keeps 2x: no reason to stop a read
  }

  private setGrowingPercent(percent: number): void {
    if (percent !== this.growing) setFlagsFromString(`--heap-growing-percent=${percent}`);
    this.growing = percent;
  }

  private setFactor(wanted: number): void {
    if (wanted !== this.factor) setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
    this.factor = wanted;
  }
}

const job = new SmallJob();

/** Rows a read announced (an ESTIMATE trace's row_estimate): enough of them make the job large. */
export function rowsAnnounced(rows: number): void {
  job.rowsAnnounced(rows);
}

/** True once the job counts as large (the young generation grows as V8 likes, TurboFan is on, old generation 2x, or +30 MB while busy). */
export function jobIsLarge(): boolean {
  return job.large;
}
