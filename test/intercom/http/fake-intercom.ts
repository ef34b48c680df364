// A tiny local HTTP server for the client tests: each test scripts the answers, the server records requests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IntercomClient, type IntercomClientOptions } from '../../../src/intercom/http/client.js';

export const TOKEN = 'tok_SECRET_4f9a2c1e77';

export interface SeenRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  at: number;
  /** The client's port: the same one for requests on one kept-alive connection. */
  remotePort: number | undefined;
}

export type Handler = (req: SeenRequest, res: http.ServerResponse, socket: http.IncomingMessage['socket']) => void | Promise<void>;

export interface FakeIntercom {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function fakeIntercom(handler: Handler): Promise<FakeIntercom> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const u = new URL(req.url ?? '/', 'http://x');
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
        at: Date.now(),
        remotePort: req.socket.remotePort,
      };
      requests.push(seen);
      Promise.resolve(handler(seen, res, req.socket)).catch((err) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function errorList(res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string | number> = {}): void {
  json(res, status, { type: 'error.list', request_id: 'req-1', errors: [{ code, message }] }, headers);
}

export interface LogLine {
  level: string;
  message: string;
}

/** A client on the fake server with fast retries, a private pacer and a recorded log. */
export function clientFor(server: FakeIntercom, extra: Partial<IntercomClientOptions> = {}): { client: IntercomClient; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const client = new IntercomClient({
    baseUrl: server.url,
    accessToken: TOKEN,
    intercomVersion: '2.11',
    retryBaseMs: 5,
    log: (level, message) => logs.push({ level, message }),
    ...extra,
  });
  return { client, logs };
}

/** Runs fn and returns what it threw (fails the test if nothing was thrown). */
export async function thrown(fn: () => Promise<unknown>): Promise<Error & { failureType?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { failureType?: string };
  }
  throw new Error('expected a rejection, got none');
}
