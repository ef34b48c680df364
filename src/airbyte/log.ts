// The RunContext a source receives: ctx.log becomes a LOG message, ctx.now is the emitter's clock.
import type { Emitter } from './emitter.js';
import type { RunContext } from './source.js';

export function createRunContext(emitter: Emitter, signal?: AbortSignal): RunContext {
  return {
    log(level, message) {
      // A log line never blocks its caller; the read loop awaits 'drain' on its next record.
      if (!emitter.closed) void emitter.log(level, message)?.catch(() => undefined);
    },
    now: emitter.now,
    ...(signal ? { signal } : {}),
  };
}
