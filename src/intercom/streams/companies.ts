import type { ApiObject, FetchContext, IntercomStream, Page } from './stream.js';

/**
 * Companies come from the scroll API (the only route without a 10,000 cap). The scroll is not ordered by
 * updated_at, so the replication engine filters by cursor on our side and checkpoints only at its end.
 */
export const companies: IntercomStream = {
  name: 'companies',
  schema: 'companies',
  primaryKey: 'id',
  cursor: 'updated_at',
  order: 'unordered',
  children: [
    { name: 'tags', path: ['tags', 'tags'] },
    { name: 'segments', path: ['segments', 'segments'] },
  ],
  async *pages({ client }: FetchContext): AsyncIterable<Page> {
    for await (const records of client.scrollCompanies<ApiObject & { id: string }>()) yield { records };
  },
};

/**
 * The workspace's company segments, each once. Intercom 2.x has no list of company segments
 * (`GET /segments?type=company` is a v1 route), so they are gathered from the segments every company carries
 * inline, or from `GET /companies/{id}/segments` for a company that carries none inline.
 */
export const companySegments: IntercomStream = {
  name: 'company_segments',
  schema: 'company_segments',
  primaryKey: 'id',
  async *pages({ client, log }: FetchContext): AsyncIterable<Page> {
    const seen = new Set<string>();
    for await (const page of client.scrollCompanies<ApiObject & { id: string }>()) {
      const fresh: ApiObject[] = [];
      for (const company of page) {
        let list = (company.segments as { segments?: ApiObject[] } | undefined)?.segments;
        if (!Array.isArray(list)) {
          const body = await client.get<{ data?: ApiObject[] } | undefined>(`/companies/${encodeURIComponent(company.id)}/segments`, undefined, { notFound: 'undefined' });
          if (!body) log('WARN', `company ${company.id} was deleted while the sync ran: its segments were skipped`);
          list = body?.data ?? [];
        }
        for (const segment of list ?? []) {
          const id = String(segment.id);
          if (seen.has(id)) continue;
          seen.add(id);
          fresh.push(segment);
        }
      }
      if (fresh.length) yield { records: fresh };
    }
  },
};
