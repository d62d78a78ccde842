import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.ts';
import { createOperator, submittedApplication } from './support/actors.ts';
import { enterpriseForm } from './support/fixtures.ts';
import { apiClient, type ApiClient } from './support/http.ts';

/** Walks a cursor-paginated list to its end, as a client would. */
async function walk(api: ApiClient, url: string, token: string, startAt: string | null = null): Promise<{ pages: number; items: any[] }> {
  const items: any[] = [];
  let cursor = startAt;
  let pages = 0;
  do {
    const separator = url.includes('?') ? '&' : '?';
    const response = await api.get(`${url}${cursor ? `${separator}cursor=${cursor}` : ''}`, { token });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    items.push(...response.body.data);
    cursor = response.body.next_cursor;
    pages++;
  } while (cursor && pages < 50);
  return { pages, items };
}

describe('cursor pagination through HTTP', () => {
  const app = useTestApp({ now: '2025-11-24T02:00:00Z' });
  const api = apiClient(app);

  it('walks the review queue in deadline order, every application exactly once', async () => {
    const submitted: string[] = [];
    for (let i = 0; i < 7; i++) {
      // Submissions on different days give different deadlines; pairs share one, to test the tie-break on id.
      if (i % 2 === 0) app().clock.advance({ days: 1 });
      submitted.push((await submittedApplication(api)).application.id);
    }
    // Sessions last 72 hours: the reviewer signs in after the days above have passed.
    const reviewer = await createOperator(app(), api, ['reviewer'], 'full');
    const { pages, items } = await walk(api, '/v1/ops/seller-applications?limit=2', reviewer.token);
    expect(pages).toBe(4);
    expect(items.map((item) => item.id).sort()).toEqual([...submitted].sort());
    const keys = items.map((item) => `${item.review_due_at} ${item.id}`);
    expect(keys).toEqual([...keys].sort());

    // A cursor keeps its place while new work arrives behind it.
    const first = await api.get('/v1/ops/seller-applications?limit=3', { token: reviewer.token });
    app().clock.advance({ days: 1 });
    const late = (await submittedApplication(api)).application.id;
    const rest = await walk(api, '/v1/ops/seller-applications?limit=3', reviewer.token, first.body.next_cursor);
    expect([...first.body.data, ...rest.items].map((item: { id: string }) => item.id)).toEqual([...items.map((item) => item.id), late]);
  });

  it('walks inboxes newest first and compliance cases oldest first', async () => {
    // Every application above passes its deadline: each flag tells every reviewer once.
    app().clock.advance({ days: 10 });
    const reviewer = await createOperator(app(), api, ['reviewer', 'compliance'], 'full');
    await app().settle();
    const inbox = await walk(api, '/v1/ops/notifications?limit=3', reviewer.token);
    const overdue = inbox.items.filter((n) => n.type === 'seller.application.review_overdue');
    expect(overdue).toHaveLength(8);
    expect(new Set(inbox.items.map((n) => n.id)).size).toBe(inbox.items.length);
    const ids = inbox.items.map((n) => n.id);
    expect(ids).toEqual([...ids].sort().reverse());

    const listedName = '示例制裁贸易有限公司';
    const listed = enterpriseForm({
      entity: { ...enterpriseForm().entity, name: listedName },
      bank_account: { ...enterpriseForm().bank_account, holder_name: listedName },
    });
    for (let i = 0; i < 3; i++) {
      const { application } = await submittedApplication(api, { ...listed, store: { name: `Listed ${i}`, type: 'standard' } });
      await api.post(`/v1/ops/seller-applications/${application.id}/start-review`, {}, { token: reviewer.token });
      expect((await api.post(`/v1/ops/seller-applications/${application.id}/approve`, { reason: 'Checked.' }, { token: reviewer.token })).body.code).toBe('sanctions_screening_hit');
      app().clock.advance({ minutes: 1 });
    }
    const cases = await walk(api, '/v1/ops/compliance/cases?limit=2&status=open', reviewer.token);
    expect(cases.pages).toBe(2);
    expect(cases.items).toHaveLength(3);
    const opened = cases.items.map((c) => c.opened_at);
    expect(opened).toEqual([...opened].sort());
  });
});
