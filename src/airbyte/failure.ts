// Turning any thrown value into the content of one TRACE ERROR, in one place.
import { ConnectorError } from './errors.js';
import type { ErrorTrace } from './emitter.js';
import { cut } from './quote.js';

/**
 * The longest message a TRACE carries. Messages quote values through quote()/cut(); this bound is the net
 * for text that did not (an exception's message built from a server's answer, say).
 */
export const MAX_MESSAGE_LENGTH = 2000;
const MAX_STACK_LENGTH = 16_000;

/**
 * ConnectorError -> its failure type and message (a stack trace only for system_error: config and transient
 * errors are for people). Anything else is a bug: system_error, a human message, the stack in stack_trace.
 */
export function errorTrace(err: unknown, stream?: string): ErrorTrace {
  const withStream = stream === undefined ? {} : { stream };
  if (err instanceof ConnectorError) {
    return {
      message: cut(err.message, MAX_MESSAGE_LENGTH),
      failureType: err.failureType,
      ...(err.internalMessage === undefined ? {} : { internalMessage: cut(err.internalMessage, MAX_MESSAGE_LENGTH) }),
      ...(err.failureType === 'system_error' && err.stack ? { stackTrace: cut(err.stack, MAX_STACK_LENGTH) } : {}),
      ...withStream,
    };
  }
  if (err instanceof Error) {
    return {
      message: `Internal error: ${cut(err.message || err.name, MAX_MESSAGE_LENGTH)}`,
      failureType: 'system_error',
      internalMessage: cut(`${err.name}: ${err.message}`, MAX_MESSAGE_LENGTH),
      ...(err.stack ? { stackTrace: cut(err.stack, MAX_STACK_LENGTH) } : {}),
      ...withStream,
    };
  }
  return { message: `Internal error: ${cut(String(err), MAX_MESSAGE_LENGTH)}`, failureType: 'system_error', ...withStream };
}

/** A one-line human description of any thrown value (for CONNECTION_STATUS messages and stderr). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return cut(err.message || err.name, MAX_MESSAGE_LENGTH);
  return cut(String(err), MAX_MESSAGE_LENGTH);
}
