import type { IntercomConfig } from './config.js';
import { IntercomClient, type IntercomClientOptions } from './http/client.js';

/** An Intercom client as the config says, with the given log and any overrides (check uses fewer attempts). */
export function connect(config: IntercomConfig, log: IntercomClientOptions['log'], overrides: Partial<IntercomClientOptions> = {}): IntercomClient {
  return new IntercomClient({
    baseUrl: config.baseUrl,
    accessToken: config.accessToken,
    intercomVersion: config.intercomVersion,
    requestTimeoutMs: config.requestTimeoutMs,
    maxAttempts: config.maxAttempts,
    maxRequestsPerMinute: config.maxRequestsPerMinute,
    connections: Math.max(16, config.concurrency + 4),
    log,
    ...overrides,
  });
}
