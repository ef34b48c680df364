// Turning any thrown value into the content of one TRACE ERROR, in one place.
import { ConnectorError } from './errors.js';
import type { ErrorTrace } from './emitter.js';

/**
 * ConnectorError -> its failure type and message (a stack trace only for system_error: config and transient
 * errors are for people). Anything else is a bug: system_error, a human message, the stack in stack_trace.
 */
export function errorTrace(err: unknown, stream?: string): ErrorTrace {
  const withStream = stream === undefined ? {} : { stream };
  if (err instanceof ConnectorError) {
    return {
      message: err.message,
      failureType: err.failureType,
      ...(err.internalMessage === undefined ? {} : { internalMessage: err.internalMessage }),
      ...(err.failureType === 'system_error' && err.stack ? { stackTrace: err.stack } : {}),
      ...withStream,
    };
  }
  if (err instanceof Error) {
    return {
      message: `Internal error: ${err.message || err.name}`,
      failureType: 'system_error',
      internalMessage: `${err.name}: ${err.message}`,
      ...(err.stack ? { stackTrace: err.stack } : {}),
      ...withStream,
    };
  }
  return { message: `Internal error: ${String(err)}`, failureType: 'system_error', ...withStream };
}

/** A one-line human description of any thrown value (for CONNECTION_STATUS messages and stderr). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
