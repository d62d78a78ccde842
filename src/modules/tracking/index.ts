import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { shippedCarrierRegistry } from './carriers.ts';
import { AggregatorTrackingProvider } from './providers/aggregator.ts';
import type { TrackingProvider } from './providers/provider.ts';
import { TrackingSimulator } from './providers/simulator.ts';
import { registerTrackingOpsRoutes } from './ops-routes.ts';
import { registerTrackingRoutes } from './routes.ts';
import { pollRunMayContinue } from './rules.ts';
import { createTrackingService, TRACKING_POLL_JOB, TRACKING_WEBHOOK_JOB } from './service.ts';

export { TRACKING_EVENTS, type DeliveryRate, type ParcelTracking, type TrackingService } from './service.ts';
export { FRESHNESS_TARGET_MINUTES, type JourneyOutcome } from './rules.ts';
export { gs1Mod10CheckDigit } from './numbers.ts';
export { JourneyProperties, journeyView } from './views.ts';
export type { MainStatus } from './status.ts';
export type { TrackingProvider } from './providers/provider.ts';
export { TrackingSimulator } from './providers/simulator.ts';

/**
 * Carriers, tracking numbers and their events. Events come from the configured provider: the
 * built-in carrier simulator by default, or a tracking aggregator over HTTP.
 */
export function createTrackingModule(platform: Platform, options: { provider?: TrackingProvider } = {}) {
  const registry = shippedCarrierRegistry();
  const settings = platform.config.tracking;
  const provider =
    options.provider ??
    (settings.provider === 'aggregator'
      ? new AggregatorTrackingProvider({ baseUrl: settings.baseUrl, apiKey: settings.apiKey, webhookSecret: settings.webhookSecret, now: () => platform.clock.now() })
      : new TrackingSimulator({ now: () => platform.clock.now(), registry }));
  const service = createTrackingService(platform, { provider, registry });

  platform.jobs.define(TRACKING_POLL_JOB, async () => {
    // Batch after batch while parcels are due, within the run's time: one batch a minute would check
    // only 2,400 parcels an hour. A failed batch (provider down, rate limited) ends the run instead
    // of asking again at once; its parcels back off and the next minute's run carries on.
    const startedAt = platform.clock.now();
    while (pollRunMayContinue(startedAt, platform.clock.now())) {
      const { asked, failed } = await service.pollDue();
      if (asked === 0 || failed > 0) return;
    }
  });
  platform.jobs.schedule(TRACKING_POLL_JOB, '* * * * *');
  platform.jobs.define<{ provider: string; deliveryId: string }>(TRACKING_WEBHOOK_JOB, ({ provider: name, deliveryId }) => service.processWebhook(name, deliveryId));

  return {
    service,
    provider,
    registerRoutes: (app: HttpApp) => {
      registerTrackingRoutes(app, service, () => platform.clock.now());
      registerTrackingOpsRoutes(app, service);
    },
  };
}

export type TrackingModule = ReturnType<typeof createTrackingModule>;
