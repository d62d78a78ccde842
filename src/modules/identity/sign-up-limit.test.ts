import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { apiClient } from '../../../test/support/http.ts';
import { queryRows } from '../../platform/db/index.ts';

describe('sign-up limit per client address', () => {
  const app = useTestApp({ env: { SIGN_UPS_PER_HOUR_PER_ADDRESS: '3' } });
  const api = apiClient(app);

  it('admits the configured number of new accounts an hour, buyers and sellers alike, then refuses', async () => {
    const buyer = (n: number) => api.post('/v1/store/sign-up', { email: `limit-${n}@example.com`, password: 'a long password', display_name: 'L' });
    expect((await buyer(1)).status).toBe(201);
    expect((await buyer(2)).status).toBe(201);
    expect((await api.post('/v1/seller/sign-up', { email: 'limit-seller@example.com', password: 'a long password', display_name: 'S', seller_name: 'Limit Co' })).status).toBe(201);
    const refused = await buyer(4);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('too_many_requests');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    const [accounts] = await queryRows<{ n: number }>(app().platform.db, sql`SELECT count(*)::int AS n FROM accounts WHERE email LIKE 'limit-%'`);
    expect(accounts?.n).toBe(3);

    app().clock.advance({ hours: 1 });
    expect((await buyer(5)).status).toBe(201);
  });

  it('forgets attempts once no limit needs them', async () => {
    app().clock.advance({ hours: 2 });
    await app().settle();
    const [left] = await queryRows<{ n: number }>(app().platform.db, sql`SELECT count(*)::int AS n FROM sign_in_failures`);
    expect(left?.n).toBe(0);
  });
});
