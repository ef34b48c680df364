/** Shared helpers for the sandbox tests: JSON calls over real HTTP. */
import type { Sandbox } from '../../sandbox/index.js';

export interface Reply { status: number; headers: Headers; text: string; json: any }

export async function call(sb: Sandbox, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(sb.url + path, {
    method,
    headers: { authorization: `Bearer ${sb.token}`, accept: 'application/json', 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

/** Follows a search's `pages.next.starting_after` to the end; returns every page. */
export async function searchAll(sb: Sandbox, path: string, body: Record<string, any>, listKey: string, between?: (page: number) => void): Promise<any[][]> {
  const pages: any[][] = [];
  let startingAfter: string | undefined;
  for (let n = 0; n < 10_000; n++) {
    const reply = await call(sb, 'POST', path, { ...body, pagination: { ...body.pagination, starting_after: startingAfter } });
    if (reply.status !== 200) throw new Error(`${path}: ${reply.status} ${reply.text}`);
    pages.push(reply.json[listKey]);
    between?.(n);
    startingAfter = reply.json.pages.next?.starting_after;
    if (!startingAfter) return pages;
  }
  throw new Error('search paging never ended');
}
