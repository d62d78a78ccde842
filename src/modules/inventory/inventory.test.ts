import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { unique } from '../../../test/support/actors.ts';
import { inTransaction, queryRows } from '../../platform/db/index.ts';
import type { StockChange } from './index.ts';

/**
 * Stock per SKU and warehouse, applied in the caller's transaction. A catalogue import applies
 * hundreds of changes at once, so the batch path is tested at that size on both databases.
 */
describe('inventory', () => {
  const app = useTestApp();
  const inventory = () => app().modules.inventory.service;
  const apply = (changes: readonly StockChange[]) => inTransaction(app().platform.db, (tx) => inventory().apply(tx, changes));
  const skuIds = (count: number) => Array.from({ length: count }, (_, i) => `sku_test_${i}`);

  it('sets 600 SKUs in one transaction, then adjusts them all from what each row holds', async () => {
    const sellerId = unique('sel');
    const ids = skuIds(600);
    await apply(ids.map((skuId, i) => ({ sellerId, skuId, quantity: i, reason: 'set' as const })));
    const adjusted = await apply(ids.map((skuId) => ({ sellerId, skuId, delta: 5, reason: 'adjust' as const })));
    expect(adjusted.map((level) => level.onHand)).toEqual(ids.map((_, i) => i + 5));
    const stored = await inventory().availableBySku(app().platform.db, sellerId, ids);
    expect(ids.map((id) => stored.get(id))).toEqual(ids.map((_, i) => i + 5));
    const [counted] = await queryRows<{ movements: number }>(app().platform.db, sql`SELECT count(*)::int AS movements FROM stock_movements WHERE seller_id = ${sellerId}`);
    // The first set of SKU 0 to zero still records the row; every later change is a movement.
    expect(counted?.movements).toBe(1200);
  });

  it('applies changes to one SKU in order and keeps warehouses apart', async () => {
    const sellerId = unique('sel');
    const levels = await apply([
      { sellerId, skuId: 'sku_a', quantity: 10, reason: 'set' },
      { sellerId, skuId: 'sku_a', delta: -3, reason: 'adjust' },
      { sellerId, skuId: 'sku_a', warehouse: 'ES-MAD', quantity: 4, reason: 'set' },
      { sellerId, skuId: 'sku_a', delta: 1, reason: 'adjust' },
    ]);
    expect(levels.map((l) => [l.warehouse, l.onHand])).toEqual([
      ['SELLER', 10],
      ['SELLER', 7],
      ['ES-MAD', 4],
      ['SELLER', 8],
    ]);
    expect((await inventory().availableBySku(app().platform.db, sellerId, ['sku_a'])).get('sku_a')).toBe(12);
  });

  it('writes no movement for a set that changes nothing, and refuses to go below zero with nothing written', async () => {
    const sellerId = unique('sel');
    await apply([{ sellerId, skuId: 'sku_b', quantity: 3, reason: 'set' }]);
    await apply([{ sellerId, skuId: 'sku_b', quantity: 3, reason: 'set' }]);
    expect((await inventory().movements(sellerId, { skuId: 'sku_b', limit: 10 })).data.map((m) => m.delta)).toEqual([3]);
    await expect(apply([{ sellerId, skuId: 'sku_b', delta: 2, reason: 'adjust' }, { sellerId, skuId: 'sku_b', delta: -9, reason: 'adjust' }])).rejects.toMatchObject({ status: 409, code: 'insufficient_stock' });
    expect((await inventory().availableBySku(app().platform.db, sellerId, ['sku_b'])).get('sku_b')).toBe(3);
  });
});
