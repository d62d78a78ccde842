import type { Platform } from '../../platform/index.ts';
import { createInventoryService } from './service.ts';

export { DEFAULT_WAREHOUSE, WAREHOUSE_PATTERN, type InventoryService, type StockAllocation, type StockChange, type StockLevel, type StockMovement } from './service.ts';

/** Stock per SKU per warehouse. Changes and their history reach sellers through the catalog, which knows whose SKU is whose. */
export function createInventoryModule(platform: Platform) {
  const service = createInventoryService(platform);
  return { service };
}

export type InventoryModule = ReturnType<typeof createInventoryModule>;
