import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { queryRows, type Db } from '../../platform/db/index.ts';
import { conflict } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { decodeCursor, toPage, type Page } from '../../platform/pagination.ts';
import { stockLevels, stockMovements } from './schema.ts';

const MOVEMENT_PREFIX = registerIdPrefix('stm', 'stock movement');

/** The seller's own warehouse at origin, where stock lives unless a warehouse is named. */
export const DEFAULT_WAREHOUSE = 'SELLER';
export const WAREHOUSE_PATTERN = '^[A-Z0-9][A-Z0-9_-]{1,31}$';

export interface StockChange {
  sellerId: string;
  skuId: string;
  warehouse?: string;
  /** Set the quantity on hand to this… */
  quantity?: number;
  /** …or move it by this much. */
  delta?: number;
  reason: 'set' | 'adjust' | 'import' | 'sale';
  reference?: string | null;
  actorId?: string | null;
}

export interface StockMovement {
  id: string;
  skuId: string;
  warehouse: string;
  delta: number;
  onHandAfter: number;
  reason: StockChange['reason'];
  reference: string | null;
  actorId: string | null;
  occurredAt: Date;
}

/** Units of a SKU held in one warehouse for an order: reserved when placed, shipped or released later. */
export interface StockAllocation {
  sellerId: string;
  skuId: string;
  warehouse: string;
  quantity: number;
}

export interface StockLevel {
  skuId: string;
  warehouse: string;
  onHand: number;
  reserved: number;
  available: number;
}

export function createInventoryService(platform: Platform) {
  const { db, clock, ids } = platform;

  /** Adds (direction 1) or removes (-1) reservations, summed per warehouse row, in one statement. */
  async function moveReserved(tx: Db, allocations: readonly StockAllocation[], direction: 1 | -1): Promise<void> {
    if (allocations.length === 0) return;
    await tx.execute(
      sql`UPDATE stock_levels s SET reserved = s.reserved + ${direction} * k.quantity, updated_at = ${clock.now()}
          FROM (SELECT seller_id, sku_id, warehouse, sum(quantity)::int AS quantity
                FROM unnest(${sql.param(allocations.map((a) => a.sellerId))}::text[], ${sql.param(allocations.map((a) => a.skuId))}::text[], ${sql.param(allocations.map((a) => a.warehouse))}::text[], ${sql.param(allocations.map((a) => a.quantity))}::int[]) AS u(seller_id, sku_id, warehouse, quantity)
                GROUP BY seller_id, sku_id, warehouse) AS k
          WHERE s.seller_id = k.seller_id AND s.sku_id = k.sku_id AND s.warehouse = k.warehouse`,
    );
  }

  return {
    /**
     * Applies stock changes in the caller's transaction, in a handful of statements however many
     * there are: a set writes the quantity, an adjustment moves it from what the row holds under
     * its lock; neither may go below zero or below what is reserved. Unchanged quantities write
     * nothing. Changes to one SKU and warehouse apply in order.
     */
    async apply(tx: Db, changes: readonly StockChange[]): Promise<StockLevel[]> {
      if (changes.length === 0) return [];
      const now = clock.now();
      const keyOf = (sellerId: string, skuId: string, warehouse: string) => `${sellerId}\u0000${skuId}\u0000${warehouse}`;
      const wanted = changes.map((change) => ({ ...change, warehouse: change.warehouse ?? DEFAULT_WAREHOUSE }));
      const locked = new Map<string, { onHand: number; reserved: number; exists: boolean }>();
      // The keys travel as three arrays joined to the table: one plan and three parameters however
      // many there are. (A row-value IN list of a few hundred tuples also breaks PGlite's commit.)
      const rows = await queryRows<{ seller_id: string; sku_id: string; warehouse: string; on_hand: number; reserved: number }>(
        tx,
        sql`SELECT s.seller_id, s.sku_id, s.warehouse, s.on_hand, s.reserved
            FROM stock_levels s
            JOIN unnest(${sql.param(wanted.map((c) => c.sellerId))}::text[], ${sql.param(wanted.map((c) => c.skuId))}::text[], ${sql.param(wanted.map((c) => c.warehouse))}::text[]) AS k(seller_id, sku_id, warehouse)
              ON s.seller_id = k.seller_id AND s.sku_id = k.sku_id AND s.warehouse = k.warehouse
            ORDER BY s.seller_id, s.sku_id, s.warehouse
            FOR UPDATE OF s`,
      );
      for (const row of rows) locked.set(keyOf(row.seller_id, row.sku_id, row.warehouse), { onHand: Number(row.on_hand), reserved: Number(row.reserved), exists: true });
      const results: StockLevel[] = [];
      const levels = new Map<string, typeof stockLevels.$inferInsert>();
      const movements: (typeof stockMovements.$inferInsert)[] = [];
      for (const change of wanted) {
        const key = keyOf(change.sellerId, change.skuId, change.warehouse);
        const before = locked.get(key) ?? { onHand: 0, reserved: 0, exists: false };
        const target = change.quantity ?? before.onHand + (change.delta ?? 0);
        if (target < before.reserved) {
          throw conflict('insufficient_stock', `SKU ${change.skuId} in ${change.warehouse} would have ${target} on hand, below the ${before.reserved} reserved for orders.`);
        }
        if (target !== before.onHand || !before.exists) {
          levels.set(key, { sellerId: change.sellerId, skuId: change.skuId, warehouse: change.warehouse, onHand: target, reserved: before.reserved, updatedAt: now });
          movements.push({
            sellerId: change.sellerId,
            id: ids(MOVEMENT_PREFIX),
            skuId: change.skuId,
            warehouse: change.warehouse,
            delta: target - before.onHand,
            onHandAfter: target,
            reason: change.reason,
            reference: change.reference ?? null,
            actorId: change.actorId ?? null,
            occurredAt: now,
          });
        }
        locked.set(key, { onHand: target, reserved: before.reserved, exists: true });
        results.push({ skuId: change.skuId, warehouse: change.warehouse, onHand: target, reserved: before.reserved, available: target - before.reserved });
      }
      const levelRows = [...levels.values()];
      for (let i = 0; i < levelRows.length; i += 500) {
        await tx
          .insert(stockLevels)
          .values(levelRows.slice(i, i + 500))
          .onConflictDoUpdate({ target: [stockLevels.sellerId, stockLevels.skuId, stockLevels.warehouse], set: { onHand: sql`excluded.on_hand`, updatedAt: sql`excluded.updated_at` } });
      }
      for (let i = 0; i < movements.length; i += 500) await tx.insert(stockMovements).values(movements.slice(i, i + 500));
      return results;
    },

    /**
     * Reserves units for an order in the caller's transaction, all or nothing: every warehouse row
     * of the SKUs is locked in one order (so two checkouts never deadlock), and units come from the
     * warehouse in the destination country first, then the seller's own, then the others. Refuses
     * with 409 `insufficient_stock` naming the SKU when there are not enough — never oversells.
     */
    async reserve(tx: Db, lines: readonly { sellerId: string; skuId: string; quantity: number }[], destination: string): Promise<StockAllocation[]> {
      if (lines.length === 0) return [];
      const rows = await queryRows<{ seller_id: string; sku_id: string; warehouse: string; on_hand: number; reserved: number }>(
        tx,
        sql`SELECT s.seller_id, s.sku_id, s.warehouse, s.on_hand, s.reserved
            FROM stock_levels s
            JOIN unnest(${sql.param(lines.map((l) => l.sellerId))}::text[], ${sql.param(lines.map((l) => l.skuId))}::text[]) AS k(seller_id, sku_id)
              ON s.seller_id = k.seller_id AND s.sku_id = k.sku_id
            ORDER BY s.seller_id, s.sku_id, s.warehouse
            FOR UPDATE OF s`,
      );
      const preference = (warehouse: string) => (warehouse === destination ? 0 : warehouse === DEFAULT_WAREHOUSE ? 1 : 2);
      const allocations: StockAllocation[] = [];
      for (const line of lines) {
        const candidates = rows
          .filter((row) => row.seller_id === line.sellerId && row.sku_id === line.skuId)
          .sort((a, b) => preference(a.warehouse) - preference(b.warehouse) || a.warehouse.localeCompare(b.warehouse));
        let wanted = line.quantity;
        for (const row of candidates) {
          const take = Math.min(wanted, Number(row.on_hand) - Number(row.reserved));
          if (take <= 0) continue;
          row.reserved = Number(row.reserved) + take;
          allocations.push({ sellerId: line.sellerId, skuId: line.skuId, warehouse: row.warehouse, quantity: take });
          wanted -= take;
          if (wanted === 0) break;
        }
        if (wanted > 0) {
          const available = line.quantity - wanted;
          throw conflict('insufficient_stock', `SKU ${line.skuId} has ${available} unit${available === 1 ? '' : 's'} left; ${line.quantity} were asked for.`);
        }
      }
      await moveReserved(tx, allocations, 1);
      return allocations;
    },

    /** Gives reserved units back (an order closed unpaid or was cancelled before shipping). */
    async release(tx: Db, allocations: readonly StockAllocation[]): Promise<void> {
      await moveReserved(tx, allocations, -1);
    },

    /** Reserved units leave the warehouse in a parcel: on hand and reserved both go down, and the movement is recorded. */
    async fulfil(tx: Db, allocations: readonly StockAllocation[], reference: string): Promise<void> {
      if (allocations.length === 0) return;
      const now = clock.now();
      const rows = await queryRows<{ seller_id: string; sku_id: string; warehouse: string; on_hand: number; delta: number }>(
        tx,
        sql`UPDATE stock_levels s SET on_hand = s.on_hand - k.quantity, reserved = s.reserved - k.quantity, updated_at = ${now}
            FROM (SELECT seller_id, sku_id, warehouse, sum(quantity)::int AS quantity
                  FROM unnest(${sql.param(allocations.map((a) => a.sellerId))}::text[], ${sql.param(allocations.map((a) => a.skuId))}::text[], ${sql.param(allocations.map((a) => a.warehouse))}::text[], ${sql.param(allocations.map((a) => a.quantity))}::int[]) AS u(seller_id, sku_id, warehouse, quantity)
                  GROUP BY seller_id, sku_id, warehouse) AS k
            WHERE s.seller_id = k.seller_id AND s.sku_id = k.sku_id AND s.warehouse = k.warehouse
            RETURNING s.seller_id, s.sku_id, s.warehouse, s.on_hand, k.quantity AS delta`,
      );
      if (rows.length === 0) return;
      await tx.insert(stockMovements).values(
        rows.map((row) => ({
          sellerId: row.seller_id,
          id: ids(MOVEMENT_PREFIX),
          skuId: row.sku_id,
          warehouse: row.warehouse,
          delta: -Number(row.delta),
          onHandAfter: Number(row.on_hand),
          reason: 'sale',
          reference,
          actorId: null,
          occurredAt: now,
        })),
      );
    },

    /** Stock of many SKUs at once, all warehouses. */
    async levels(tx: Db, sellerId: string, skuIds: readonly string[]): Promise<StockLevel[]> {
      if (skuIds.length === 0) return [];
      const rows = await tx
        .select()
        .from(stockLevels)
        .where(and(eq(stockLevels.sellerId, sellerId), inArray(stockLevels.skuId, [...skuIds])));
      return rows.map((row) => ({ skuId: row.skuId, warehouse: row.warehouse, onHand: row.onHand, reserved: row.reserved, available: row.onHand - row.reserved }));
    },

    /** The history of a SKU's stock, newest first: every change with its reason. The catalog answers for whose SKU it is. */
    async movements(sellerId: string, filter: { skuId: string; limit: number; cursor?: string }): Promise<Page<StockMovement>> {
      const before = decodeCursor(filter.cursor, ['id:stm'])?.[0];
      const rows = await db
        .select()
        .from(stockMovements)
        .where(and(eq(stockMovements.sellerId, sellerId), eq(stockMovements.skuId, filter.skuId), before ? lt(stockMovements.id, before) : undefined))
        .orderBy(desc(stockMovements.id))
        .limit(filter.limit + 1);
      return toPage(rows, filter.limit, (row) => ({ ...row, reason: row.reason as StockChange['reason'] }), (item) => [item.id]);
    },

    /** Units free to sell per SKU, across warehouses and sellers, in one statement (a cart's worth). */
    async availableAcrossSellers(tx: Db, keys: readonly { sellerId: string; skuId: string }[]): Promise<Map<string, number>> {
      if (keys.length === 0) return new Map();
      const rows = await queryRows<{ sku_id: string; available: number }>(
        tx,
        sql`SELECT s.sku_id, sum(s.on_hand - s.reserved)::int AS available FROM stock_levels s
            JOIN unnest(${sql.param(keys.map((k) => k.sellerId))}::text[], ${sql.param(keys.map((k) => k.skuId))}::text[]) AS k(seller_id, sku_id)
              ON s.seller_id = k.seller_id AND s.sku_id = k.sku_id
            GROUP BY s.sku_id`,
      );
      return new Map(rows.map((row) => [row.sku_id, Number(row.available)]));
    },

    /** Totals per SKU across warehouses (what a listing shows as available). */
    async availableBySku(tx: Db, sellerId: string, skuIds: readonly string[]): Promise<Map<string, number>> {
      if (skuIds.length === 0) return new Map();
      const rows = await queryRows<{ sku_id: string; available: number }>(
        tx,
        sql`SELECT sku_id, sum(on_hand - reserved)::int AS available FROM stock_levels
            WHERE seller_id = ${sellerId} AND sku_id IN ${[...skuIds]} GROUP BY sku_id`,
      );
      return new Map(rows.map((row) => [row.sku_id, Number(row.available)]));
    },
  };
}

export type InventoryService = ReturnType<typeof createInventoryService>;
