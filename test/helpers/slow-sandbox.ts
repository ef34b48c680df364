// A small HTTP proxy in front of a sandbox, for end-to-end tests that need what the sandbox's fault plan
// cannot express: latency on chosen routes only (e.g. slow and uneven conversation retrieves), or a response
// of the test's own making (e.g. an API error whose body echoes the request's Authorization header).
//
//   const proxy = await startSlowProxy(sandbox.url, { delayMs: (method, path) => path.startsWith('/conversations/') ? 200 : 0 });
//   runConnector('read', { config: { access_token, base_url: proxy.url }, ... });
//   await proxy.close();
import http from 'node:http';

export interface ProxiedRequest {
  method: string;
  /** Path and query string, as the client sent them. */
  url: string;
  /** Path without the query string. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface ProxyAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface SlowProxyOptions {
  /** Milliseconds to hold a request before forwarding (or answering) it; 0 by default. */
  delayMs?: (method: string, path: string) => number;
  /** A response of the test's own instead of forwarding; undefined forwards the request. */
  answer?: (req: ProxiedRequest) => ProxyAnswer | undefined;
}

/** A request as the proxy received it: when (`at`, before its delay), its body, and the status it was answered with. */
export interface ProxyLogEntry { method: string; path: string; status: number; at: number; delayMs: number; body: Buffer }

/** The POSTs in the log to a path `which` takes, in the order they were received, with their JSON bodies. */
export const posted = (log: readonly ProxyLogEntry[], which: (path: string) => boolean): { path: string; at: number; body: any }[] =>
  log.filter((e) => e.method === 'POST' && which(e.path)).map((e) => ({ path: e.path, at: e.at, body: JSON.parse(e.body.toString('utf8')) as unknown }));

export interface SlowProxy {
  url: string;
  log: ProxyLogEntry[];
  close(): Promise<void>;
}

export async function startSlowProxy(target: string, opts: SlowProxyOptions = {}): Promise<SlowProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const log: ProxyLogEntry[] = [];
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const method = req.method ?? 'GET';
      const path = url.split('?')[0]!;
      const delay = Math.max(0, opts.delayMs?.(method, path) ?? 0);
      const body = Buffer.concat(chunks);
      const entry: ProxyLogEntry = { method, path, status: 0, at: Date.now(), delayMs: delay, body };
      log.push(entry);
      const go = () => {
        const own = opts.answer?.({ method, url, path, headers: req.headers, body });
        if (own) {
          entry.status = own.status;
          const payload = Buffer.from(own.body);
          res.writeHead(own.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(payload.length), ...own.headers });
          res.end(payload);
          return;
        }
        const forward = http.request(
          { host: upstream.hostname, port: upstream.port, method, path: url, headers: { ...req.headers, host: upstream.host }, agent },
          (up) => {
            entry.status = up.statusCode ?? 0;
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        forward.on('error', () => req.socket.destroy());
        forward.end(body);
      };
      if (delay > 0) setTimeout(go, delay); else go();
    });
  });
  const url = await new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('proxy: no TCP address'));
      resolve(`http://127.0.0.1:${address.port}`);
    });
  });
  return {
    url,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
