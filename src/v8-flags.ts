// V8 settings for the connector's memory, applied before anything else is loaded: this module is the entry's
// first import, so it runs before undici compiles its HTTP parser (llhttp, a WebAssembly module).
// Measured with heaptrack on a small sync (`npm run bench -- small`): V8's background tier-up of llhttp to
// TurboFan took ~35 MB of compiler memory (peak malloc 37.5 MB), which glibc keeps in a thread arena; with
// Liftoff (V8's baseline WebAssembly compiler) only, the peak malloc is 6.8 MB. HTTP parsing is a small share
// of the work (the bodies are skipped by length), so the pipeline does not notice.
// Young-generation size (--max-semi-space-size) cannot be changed here: V8 reads it when the heap is set up.
import { setFlagsFromString } from 'node:v8';

export const V8_FLAGS = ['--liftoff-only'] as const;
for (const flag of V8_FLAGS) setFlagsFromString(flag);
