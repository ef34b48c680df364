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
  alongside: true,
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
 * inline, or from `GET /companies/{id}/segments` for a company that carries none inline. Read incrementally it
 * takes its own pass (riding along the companies pass emits every segment, with no cursor filter).
 */
export const companySegments: IntercomStream = {
  name: 'company_segments',
  schema: 'company_segments',
  primaryKey: 'id',
  // Incremental as in Airbyte's Intercom source, filtered by updated_at on our side.
  cursor: 'updated_at',
  order: 'unordered',
  alongside: true,
  companion: { of: 'companies', collect: segmentsOfCompany },
  async *pages(ctx: FetchContext): AsyncIterable<Page> {
    for await (const page of ctx.client.scrollCompanies<ApiObject & { id: string }>()) {
      const records: ApiObject[] = [];
      for (const company of page) records.push(...(await segmentsOfCompany(company, ctx)));
      yield { records };
    }
  },
};

/** The segments of one company: inline, or from `GET /companies/{id}/segments` when it carries none. */
async function segmentsOfCompany(company: ApiObject, { client, log }: FetchContext): Promise<ApiObject[]> {
  const inline = (company.segments as { segments?: ApiObject[] } | undefined)?.segments;
  if (Array.isArray(inline)) return inline;
  const id = encodeURIComponent(String(company.id));
  const body = await client.get<{ data?: ApiObject[] } | undefined>(`/companies/${id}/segments`, undefined, { notFound: 'undefined' });
  if (!body) log('WARN', `company ${company.id} was deleted while the sync ran: its segments were skipped`);
  return body?.data ?? [];
}
