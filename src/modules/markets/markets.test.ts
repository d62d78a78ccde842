import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createOperator, signUpSeller, type SellerActor } from '../../../test/support/actors.ts';
import { useTestApp } from '../../../test/support/app.ts';
import { expectProblem } from '../../../test/support/expect.ts';
import { apiClient } from '../../../test/support/http.ts';
import { inTransaction, type Db } from '../../platform/db/index.ts';
import { createMarketsService } from './service.ts';

/**
 * Markets for the storefront, and FX snapshots operators set or import through HTTP, as the
 * checkout's conversion sees them.
 */

const rates = { EUR: '0.8500', GBP: '0.7400', BRL: '5.4500', SAR: '3.7500', RUB: '80.00', KRW: '1385.5', CNY: '7.2500', PLN: '3.6500', CZK: '21.10', DKK: '6.3500', HUF: '335.0', RON: '4.3000', SEK: '9.4000' };
const csvOf = (rows: Record<string, Record<string, string>>) => {
  const currencies = [...new Set(Object.values(rows).flatMap((quoted) => Object.keys(quoted)))];
  const lines = [['date', 'base', ...currencies].join(','), ...Object.entries(rows).map(([date, quoted]) => [date, 'USD', ...currencies.map((c) => quoted[c] ?? '')].join(','))];
  return Buffer.from(`${lines.join('\n')}\n`);
};

describe('markets on the storefront', () => {
  const app = useTestApp({ now: '2026-11-25T02:00:00Z' });
  const api = apiClient(app);

  it('lists every market without signing in: currency, decimals, languages, what buyers must give', async () => {
    const response = await api.get('/v1/store/markets');
    expect(response.status).toBe(200);
    const codes = response.body.data.map((m: { code: string }) => m.code);
    expect(codes).toEqual(expect.arrayContaining(['RU', 'ES', 'FR', 'BR', 'SA', 'DE', 'IT', 'NL', 'PL', 'GB', 'US', 'KR']));
    expect(response.body.data.find((m: { code: string }) => m.code === 'BR')).toEqual({
      code: 'BR',
      name: 'Brazil',
      currency: 'BRL',
      currency_decimals: 2,
      languages: ['pt'],
      locale: 'pt-BR',
      priority: true,
      groups: [],
      tax_regime: 'br.remessa_conforme',
      buyer_identifiers: [
        { kind: 'CPF', name: expect.stringContaining('CPF'), required: true, format: '000.000.000-00', description: expect.any(String) },
        { kind: 'CNPJ', name: expect.stringContaining('CNPJ'), required: false, format: '00.000.000/0000-00', description: expect.any(String) },
      ],
    });
  });

  it('shows one market, and no country it does not sell to', async () => {
    const korea = await api.get('/v1/store/markets/KR');
    expect(korea.body).toMatchObject({ code: 'KR', currency: 'KRW', currency_decimals: 0, locale: 'ko-KR', tax_regime: 'kr.import', buyer_identifiers: [{ kind: 'PCCC', required: true }] });
    expect((await api.get('/v1/store/markets/ES')).body).toMatchObject({ currency: 'EUR', groups: ['EU'], tax_regime: 'eu.ioss', buyer_identifiers: [] });
    expectProblem(await api.get('/v1/store/markets/CN'), 404, 'not_found');
    expectProblem(await api.get('/v1/store/markets/ZZ'), 404, 'not_found');
  });
});

describe('FX snapshots', () => {
  const app = useTestApp({ now: '2026-11-25T02:00:00Z' });
  const api = apiClient(app);
  let finance: { token: string; accountId: string };
  let admin: { token: string; accountId: string };
  let support: { token: string; accountId: string };
  let seller: SellerActor;

  const markets = () => app().modules.markets.service;
  const inTx = <T>(fn: (tx: Db) => Promise<T>) => inTransaction(app().platform.db, fn);
  const convert = (amount: number, currency: string, to: string, on: string) => inTx((tx) => markets().convert(tx, { amount, currency }, to, new Date(`${on}T12:00:00Z`)));
  const auditOf = (date: string) => app().platform.audit.list(app().platform.db, { subjectType: 'fx_snapshots', subjectId: date, limit: 20 });
  const importFile = (file: Buffer, name: string, query: string, token = finance.token) => api.upload(`/v1/ops/fx/snapshots/import?${query}`, file, name, name.endsWith('.csv') ? 'text/csv' : 'application/json', { token });
  /** Everything an operator sees of the snapshots, and the audit trail: what "nothing changed" compares. */
  const everything = async () => ({
    list: (await api.get('/v1/ops/fx/snapshots?limit=100', { token: finance.token })).body,
    audit: (await app().platform.audit.list(app().platform.db, { subjectType: 'fx_snapshots', limit: 100 })).length,
  });

  beforeAll(async () => {
    finance = await createOperator(app(), api, ['finance']);
    admin = await createOperator(app(), api, ['admin']);
    support = await createOperator(app(), api, ['support']);
    seller = await signUpSeller(api);
  });

  it('lists the shipped snapshots, newest first, a page at a time', async () => {
    const first = await api.get('/v1/ops/fx/snapshots?limit=2', { token: finance.token });
    expect(first.status).toBe(200);
    expect(first.body.data.map((s: { id: string }) => s.id)).toEqual(['fx_2026-10-01', 'fx_2026-07-01']);
    expect(first.body.data[0]).toMatchObject({ date: '2026-10-01', base: 'USD', origin: 'shipped', version: null, supersedes: null, source: expect.stringContaining('fx-rates.json'), rates: expect.objectContaining({ BRL: expect.any(String) }) });
    const second = await api.get(`/v1/ops/fx/snapshots?limit=2&cursor=${first.body.next_cursor}`, { token: finance.token });
    expect(second.body.data.map((s: { id: string }) => s.id)).toEqual(['fx_2026-04-01', 'fx_2026-01-02']);
    const ranged = await api.get('/v1/ops/fx/snapshots?from=2025-01-01&to=2025-06-30', { token: finance.token });
    expect(ranged.body).toEqual({ data: [expect.objectContaining({ id: 'fx_2025-04-01' }), expect.objectContaining({ id: 'fx_2025-01-02' })], next_cursor: null });
  });

  it('is for finance and admin operators only', async () => {
    const before = await everything();
    const body = { base: 'USD', rates, source: 'Treasury desk', reason: 'Month-end rates' };
    for (const [token, code] of [
      [support.token, 'permission_denied'],
      [seller.token, 'operator_account_required'],
    ] as const) {
      expectProblem(await api.get('/v1/ops/fx/snapshots', { token }), 403, code);
      expectProblem(await api.get('/v1/ops/fx/snapshots/2026-07-01', { token }), 403, code);
      expectProblem(await api.put('/v1/ops/fx/snapshots/2026-07-01', body, { token }), 403, code);
      const imported = await importFile(csvOf({ '2026-12-01': rates }), 'rates.csv', 'reason=Month-end&source=Treasury', token);
      expectProblem(imported, 403, code);
    }
    expectProblem(await api.get('/v1/ops/fx/snapshots'), 401, 'unauthenticated');
    expect(await everything()).toEqual(before);
  });

  it('lets finance set a snapshot that supersedes the shipped one of its date, audited', async () => {
    const saved = await api.put('/v1/ops/fx/snapshots/2026-07-01', { base: 'USD', rates, source: 'Central bank reference rates', reason: 'Correcting the shipped sample' }, { token: finance.token });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ id: 'fx_2026-07-01.v1', date: '2026-07-01', origin: 'operator', version: 1, supersedes: 'fx_2026-07-01', outcome: 'replaced', updated_by: finance.accountId, rates });

    const shown = await api.get('/v1/ops/fx/snapshots/2026-07-01', { token: finance.token });
    expect(shown.body).toMatchObject({ id: 'fx_2026-07-01.v1', source: 'Central bank reference rates' });
    expect(shown.body.history.map((v: { id: string; current: boolean; reason: string | null }) => [v.id, v.current, v.reason])).toEqual([
      ['fx_2026-07-01', false, null],
      ['fx_2026-07-01.v1', true, 'Correcting the shipped sample'],
    ]);
    const audit = await auditOf('2026-07-01');
    expect(audit).toEqual([expect.objectContaining({ actorType: 'operator', actorId: finance.accountId, action: 'fx_snapshots.put', reason: 'Correcting the shipped sample', toState: { version: 1, active: true } })]);
  });

  it('converts at the operator’s snapshot from its date, and at the latest snapshot on or before a day', async () => {
    expect(await convert(10000, 'USD', 'BRL', '2026-06-30')).toMatchObject({ fxRateId: 'fx_2026-04-01_USD_BRL' });
    expect(await convert(10000, 'USD', 'BRL', '2026-07-01')).toEqual({ amount: 54500, currency: 'BRL', fxRateId: 'fx_2026-07-01.v1_USD_BRL', rate: '5.4500' });
    expect(await convert(10000, 'USD', 'BRL', '2026-09-30')).toMatchObject({ fxRateId: 'fx_2026-07-01.v1_USD_BRL' });
    expect(await convert(10000, 'USD', 'BRL', '2026-10-01')).toMatchObject({ fxRateId: 'fx_2026-10-01_USD_BRL' });
  });

  it('derives inverse and cross rates from the operator’s snapshot, keeping its id', async () => {
    // A seller's CNY price seen in Brazil: through USD, within the one snapshot.
    expect(await convert(1290, 'CNY', 'BRL', '2026-07-15')).toEqual({ amount: 970, currency: 'BRL', fxRateId: 'fx_2026-07-01.v1_CNY_BRL', rate: '0.751724137931034' });
    expect(await convert(54500, 'BRL', 'USD', '2026-07-15')).toMatchObject({ amount: 10000, fxRateId: 'fx_2026-07-01.v1_BRL_USD' });
    const rate = await inTx((tx) => markets().fxRates(tx));
    expect(rate.rate('EUR', 'KRW', '2026-07-15')).toMatchObject({ id: 'fx_2026-07-01.v1_EUR_KRW', derivation: 'cross' });
  });

  it.each([
    // USD → KRW at 1385.5: $1.00 is ₩1385.5 → 1386 (to even), $3.00 is ₩4156.5 → 4156 (to even)
    [100, 'KRW', 1386],
    [300, 'KRW', 4156],
    [1, 'KRW', 14],
    // USD → BRL at 5.45: $0.10 is R$ 0.545 → 0.54; $0.30 is R$ 1.635 → 1.64
    [10, 'BRL', 54],
    [30, 'BRL', 164],
    [1999, 'BRL', 10895],
    // USD → SAR at 3.75: $0.02 is SAR 0.075 → 0.08; $0.06 is SAR 0.225 → 0.22
    [2, 'SAR', 8],
    [6, 'SAR', 22],
    [1999, 'SAR', 7496],
  ])('rounds USD %i (cents) into %s half-even to the minor unit: %i', async (cents, currency, expected) => {
    expect(await convert(cents, 'USD', currency, '2026-07-15')).toMatchObject({ amount: expected, currency });
  });

  it('converts nothing into its own currency, and refuses a conversion no rate is known for', async () => {
    expect(await convert(1234, 'KRW', 'KRW', '2026-07-15')).toEqual({ amount: 1234, currency: 'KRW', fxRateId: null, rate: null });
    await expect(convert(100, 'USD', 'JPY', '2026-07-15')).rejects.toMatchObject({ status: 422, code: 'no_fx_rate' });
    await expect(convert(100, 'USD', 'BRL', '2023-12-31')).rejects.toMatchObject({ status: 422, code: 'no_fx_rate', message: 'No exchange rate from USD to BRL is known for 2023-12-31.' });
    await expect(convert(100, 'USD', 'XYZ', '2026-07-15')).rejects.toMatchObject({ status: 422, code: 'no_fx_rate' });
  });

  it('keeps a superseded snapshot resolvable by the ids converted amounts kept', async () => {
    const kept = (await convert(1290, 'CNY', 'BRL', '2026-07-15')).fxRateId!;
    const replaced = await api.put('/v1/ops/fx/snapshots/2026-07-01', { base: 'USD', rates: { ...rates, BRL: '5.5000' }, source: 'Central bank reference rates', reason: 'BRL fixing revised' }, { token: admin.token });
    expect(replaced.body).toMatchObject({ id: 'fx_2026-07-01.v2', version: 2, outcome: 'replaced', supersedes: 'fx_2026-07-01' });
    expect(await convert(10000, 'USD', 'BRL', '2026-07-15')).toMatchObject({ amount: 55000, fxRateId: 'fx_2026-07-01.v2_USD_BRL' });

    expect(await inTx((tx) => markets().fxRate(tx, kept))).toMatchObject({ id: 'fx_2026-07-01.v1_CNY_BRL', rate: '0.751724137931034', snapshotId: 'fx_2026-07-01.v1' });
    expect(await inTx((tx) => markets().fxRate(tx, 'fx_2026-07-01_USD_BRL'))).toMatchObject({ rate: '5.4000' });
    expect(await inTx((tx) => markets().fxRate(tx, 'fx_2026-07-01.v3_USD_BRL'))).toBeUndefined();
    expect(await inTx((tx) => markets().fxRate(tx, 'not-a-rate'))).toBeUndefined();
    expect((await auditOf('2026-07-01')).map((r) => [r.actorId, r.reason])).toEqual([
      [admin.accountId, 'BRL fixing revised'],
      [finance.accountId, 'Correcting the shipped sample'],
    ]);
  });

  it('changes nothing when the rates in force are set again', async () => {
    const before = await everything();
    const again = await api.put('/v1/ops/fx/snapshots/2026-07-01', { base: 'USD', rates: { ...rates, BRL: '5.5000' }, source: 'Again', reason: 'Double submit' }, { token: finance.token });
    expect(again.body).toMatchObject({ id: 'fx_2026-07-01.v2', outcome: 'unchanged', source: 'Central bank reference rates' });
    expect(await everything()).toEqual(before);
  });

  it('refuses a snapshot that leaves out a market’s currency or has a bad rate, naming each field', async () => {
    const { KRW: _krw, ...withoutKrw } = rates;
    const refused = await api.put('/v1/ops/fx/snapshots/2026-12-01', { base: 'USD', rates: { ...withoutKrw, BRL: '0', JPY: '147.5' }, source: 'Desk', reason: 'New month' }, { token: finance.token });
    expectProblem(refused, 422, 'validation_failed');
    expect(refused.body.errors).toEqual([
      { in: 'body', path: '/rates/BRL', code: 'invalid_rate', message: expect.any(String) },
      { in: 'body', path: '/rates/KRW', code: 'required', message: 'is required: buyers or sellers pay in KRW' },
    ]);
    expectProblem(await api.get('/v1/ops/fx/snapshots/2026-12-01', { token: finance.token }), 404, 'not_found');
  });

  it('reads the rates once per transaction, and a change made by another process at its next transaction', async () => {
    const other = createMarketsService(app().platform);
    await inTx(async (tx) => {
      const select = vi.spyOn(tx, 'select');
      const first = await other.fxRates(tx);
      for (let i = 0; i < 50; i++) await other.convert(tx, { amount: 1000 + i, currency: 'CNY' }, 'KRW', new Date('2026-08-01T00:00:00Z'));
      expect(await other.fxRates(tx)).toBe(first);
      // This process had not read them yet: the revision, then the snapshots — and nothing after.
      expect(select).toHaveBeenCalledTimes(2);
    });
    expect(await inTx((tx) => other.convert(tx, { amount: 10000, currency: 'USD' }, 'BRL', new Date('2026-11-01T00:00:00Z')))).toMatchObject({ fxRateId: 'fx_2026-10-01_USD_BRL' });

    const saved = await api.put('/v1/ops/fx/snapshots/2026-11-01', { base: 'USD', rates, source: 'Desk', reason: 'November' }, { token: finance.token });
    expect(saved.body).toMatchObject({ id: 'fx_2026-11-01.v1', outcome: 'added', supersedes: null });
    expect(await inTx((tx) => other.convert(tx, { amount: 10000, currency: 'USD' }, 'BRL', new Date('2026-11-01T00:00:00Z')))).toMatchObject({ fxRateId: 'fx_2026-11-01.v1_USD_BRL' });
  });

  it('imports a CSV of snapshots together, and the same file again changes nothing', async () => {
    const file = csvOf({ '2026-12-01': rates, '2026-10-01': { ...rates, BRL: '5.3900' }, '2027-01-04': { ...rates, JPY: '150.25' } });
    const imported = await importFile(file, 'rates.csv', 'reason=Year-end%20rates&source=Treasury%20desk');
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body.data).toEqual([
      { date: '2026-10-01', id: 'fx_2026-10-01.v1', outcome: 'replaced' },
      { date: '2026-12-01', id: 'fx_2026-12-01.v1', outcome: 'added' },
      { date: '2027-01-04', id: 'fx_2027-01-04.v1', outcome: 'added' },
    ]);
    expect(await convert(100, 'USD', 'JPY', '2027-01-05')).toMatchObject({ amount: 150, fxRateId: 'fx_2027-01-04.v1_USD_JPY' });
    expect((await auditOf('2026-12-01'))[0]).toMatchObject({ actorId: finance.accountId, reason: 'Year-end rates' });
    expect((await api.get('/v1/ops/fx/snapshots/2026-12-01', { token: finance.token })).body).toMatchObject({ source: 'Treasury desk' });

    const before = await everything();
    const again = await importFile(file, 'rates.csv', 'reason=Year-end%20rates&source=Treasury%20desk');
    expect(again.body.data.map((c: { outcome: string }) => c.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(await everything()).toEqual(before);
  });

  it('imports nothing from a file with one bad row, and says where every problem is', async () => {
    const before = await everything();
    const csv = await importFile(csvOf({ '2027-02-01': rates, '2027-03-01': { ...rates, SAR: '-3.75' }, '2027-04-01': rates }), 'rates.csv', 'reason=Quarter&source=Desk');
    expectProblem(csv, 422, 'validation_failed');
    expect(csv.body.errors).toEqual([{ in: 'body', path: '/file/line/3/SAR', code: 'invalid_rate', message: expect.any(String) }]);

    const snapshots = [{ date: '2027-02-01', base: 'USD', rates }, { date: '2027-02-30', base: 'USD', rates }];
    const json = await importFile(Buffer.from(JSON.stringify({ source: 'Desk', snapshots })), 'rates.json', 'reason=Quarter', admin.token);
    expectProblem(json, 422, 'validation_failed');
    expect(json.body.errors).toEqual([{ in: 'body', path: '/file/snapshots/1/date', code: 'invalid_date', message: expect.any(String) }]);

    const sourceless = await importFile(csvOf({ '2027-02-01': rates }), 'rates.csv', 'reason=Quarter');
    expectProblem(sourceless, 422, 'validation_failed');
    expect(sourceless.body.errors).toEqual([{ in: 'query', path: '/source', code: 'required', message: expect.any(String) }]);
    expectProblem(await importFile(Buffer.alloc(0), 'rates.csv', 'reason=Quarter&source=Desk'), 422, 'empty_file');
    expect(await everything()).toEqual(before);
  });

  it('imports the shipped file’s shape, taking its source, for admins too', async () => {
    const file = { description: 'Desk rates', source: 'Treasury desk export', snapshots: [{ id: 'ignored', date: '2027-02-01', base: 'USD', rates }] };
    const imported = await importFile(Buffer.from(JSON.stringify(file)), 'rates.json', 'reason=February', admin.token);
    expect(imported.body.data).toEqual([{ date: '2027-02-01', id: 'fx_2027-02-01.v1', outcome: 'added' }]);
    expect((await api.get('/v1/ops/fx/snapshots/2027-02-01', { token: admin.token })).body).toMatchObject({ source: 'Treasury desk export', updated_by: admin.accountId });
  });
});
