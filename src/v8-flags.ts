// V8 settings for the connector's memory, applied before anything else is loaded: this module is the entry's
// first import, so it runs before undici compiles its HTTP parser (llhttp, a WebAssembly module) and before
// the heap holds anything of the connector's. Every setting here is made in-process (v8.setFlagsFromString),
// so it holds however the connector is started: `node dist/main.js`, the package's bin, the Docker ENTRYPOINT.
//
// --liftoff-only. Measured with heaptrack on a small sync (`npm run bench -- small`): V8's background tier-up
// of llhttp to TurboFan took ~35 MB of compiler memory (peak malloc 37.5 MB), which glibc keeps in a thread
// arena; with Liftoff (V8's baseline WebAssembly compiler) only, the peak malloc is 6.8 MB. HTTP parsing is a
// small share of the work (the bodies are skipped by length), so the pipeline does not notice.
//
// --heap-growing-percent=50. After each full GC V8 lets the old generation grow to a multiple of what
// survived before the next one starts; left to itself it picks up to 4x, and at 1M contacts the old
// generation peaked at 63 MB around ~30 MB live. 1.5x keeps the garbage of the records already written from
// piling up: 1M contacts 201-207 -> 141 MB peak RSS, small sync about -4 MB; the marking it adds runs mostly
// on V8's background threads.
//
// The young generation grows with the job (see watchYoungGeneration below).
import { cpuUsage } from 'node:process';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

export const V8_FLAGS = ['--liftoff-only', '--heap-growing-percent=50'] as const;
for (const flag of V8_FLAGS) setFlagsFromString(flag);

/** The young generation's size (both semi-spaces, as V8 reports new_space.space_size) while the job is small. */
export const SMALL_YOUNG_GENERATION_BYTES = 4 * 1024 * 1024;
/** CPU time (user + system, all threads) after which the job counts as large: a small sync uses ~1.6 s. */
export const LARGE_JOB_CPU_MS = 2500;
/** How often the watcher looks (it stops for good once the job is large). */
const WATCH_MS = 20;

/**
 * V8 starts the young generation at 1 MB and doubles it (--semi-space-growth-factor=2) whenever a semi-space's
 * worth of objects survived since the last growth, up to 32 MB; a small sync (10.8k records, 1.6 s of CPU)
 * reaches the 32 MB, which was ~22 MB of its 107 MB peak RSS. A fixed small young generation
 * (--max-semi-space-size=2, which only the command line can set) costs a large read +16-26 % CPU/record:
 * records in flight survive and get promoted. So the size follows the job instead: until the process has
 * used LARGE_JOB_CPU_MS of CPU, the growth factor is set to 1 (no growth) once the young generation reached
 * SMALL_YOUNG_GENERATION_BYTES (and back to 2 should V8 shrink it below); after that, it is 2 for good and V8
 * grows it as it always did. V8 reads the growth factor each time it grows the space, so setting it at run
 * time works (verified on Node 20 / V8 11.3 and Node 22 / V8 12.4: the space stays at the cap).
 * Returns the timer (unref'd: it never keeps the process alive).
 */
export function watchYoungGeneration(): NodeJS.Timeout {
  let factor = 2;
  const setFactor = (wanted: number) => {
    if (wanted !== factor) setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
    factor = wanted;
  };
  const watch = setInterval(() => {
    const used = cpuUsage();
    if ((used.user + used.system) / 1000 >= LARGE_JOB_CPU_MS) {
      setFactor(2);
      clearInterval(watch);
      return;
    }
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (young) setFactor(young.space_size >= SMALL_YOUNG_GENERATION_BYTES ? 1 : 2);
  }, WATCH_MS);
  watch.unref();
  return watch;
}
watchYoungGeneration();
