import type { HttpApp } from '../../platform/http/server.ts';
import { registerTrackingRoutes } from './routes.ts';
import { createTrackingService } from './service.ts';

export type { TrackingService } from './service.ts';
export { gs1Mod10CheckDigit } from './numbers.ts';

/** Carriers, tracking numbers and their events. */
export function createTrackingModule() {
  const service = createTrackingService();
  return { service, registerRoutes: (app: HttpApp) => registerTrackingRoutes(app, service) };
}

export type TrackingModule = ReturnType<typeof createTrackingModule>;
