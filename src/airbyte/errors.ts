import type { FailureType } from './protocol.js';

/**
 * An error whose kind is decided where its cause is known. The read loop turns it into one TRACE ERROR.
 * `message` is for the person running the sync: it names the field, file, scope or endpoint to look at,
 * and never contains a secret. `internalMessage` may hold detail for engineers (also secret-free).
 */
export class ConnectorError extends Error {
  constructor(
    readonly failureType: FailureType,
    message: string,
    readonly internalMessage?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConnectorError';
  }
}

export const configError = (message: string, internal?: string) => new ConnectorError('config_error', message, internal);
export const transientError = (message: string, internal?: string) => new ConnectorError('transient_error', message, internal);
export const systemError = (message: string, internal?: string) => new ConnectorError('system_error', message, internal);
