import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import type { PaymentProvider } from '../../src/modules/payments/index.ts';
import type { TrackingProvider } from '../../src/modules/tracking/index.ts';
import { ManualClock } from '../../src/platform/clock/index.ts';
import { loadConfig } from '../../src/platform/config/index.ts';
import { createTestDatabase } from './database.ts';
import { testLogger } from './logger.ts';

export interface TestApp extends App {
  clock: ManualClock;
}

/** The whole application on a fresh database, with a clock the test moves. */
export async function startTestApp(
  options: { now?: string; env?: Record<string, string>; trackingProvider?: (clock: ManualClock) => TrackingProvider; paymentProvider?: (clock: ManualClock) => PaymentProvider; logger?: Logger } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'caravan-app-'));
  // Test files sign up many accounts from one address; the sign-up limit has a test of its own.
  const config = loadConfig({ NODE_ENV: 'test', CARAVAN_DATA_DIR: dataDir, CARAVAN_WORKERS: 'false', SIGN_UPS_PER_HOUR_PER_ADDRESS: '100000', ...options.env });
  const clock = new ManualClock(options.now ?? '2026-03-02T02:00:00Z');
  const testDb = await createTestDatabase();
  const app = await createApp(config, {
    clock,
    database: testDb.database,
    logger: options.logger ?? testLogger,
    ...(options.trackingProvider ? { trackingProvider: options.trackingProvider(clock) } : {}),
    ...(options.paymentProvider ? { paymentProvider: options.paymentProvider(clock) } : {}),
  });
  await app.http.ready();
  const close = app.close.bind(app);
  return Object.assign(app, {
    clock,
    async close() {
      await close();
      await testDb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/** One app per test file: started before the first test, closed after the last. */
export function useTestApp(options: Parameters<typeof startTestApp>[0] = {}): () => TestApp {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp(options);
  });
  afterAll(async () => {
    await app?.close();
  });
  return () => {
    if (!app) throw new Error('the test app is not started yet');
    return app;
  };
}
