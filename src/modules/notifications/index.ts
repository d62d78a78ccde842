import type { Logger } from 'pino';
import type { Platform } from '../../platform/index.ts';
import type { HttpApp } from '../../platform/http/server.ts';
import { maskEmail, type IdentityService } from '../identity/index.ts';
import { registerNotificationsRoutes } from './routes.ts';
import { createNotificationsService, DELIVER_EMAIL_JOB, type Mailer } from './service.ts';
import { ONBOARDING_TEMPLATES, OPERATOR_TEMPLATES, ORDER_TEMPLATES } from './templates.ts';

export type { Mailer, Notification, NotificationsService } from './service.ts';

/** The development mailer: logs what it would send. Production plugs in an SMTP or API mailer. */
export function logMailer(logger: Logger): Mailer {
  return {
    name: 'development-log-mailer',
    async send(message) {
      logger.info({ mail: { to: maskEmail(message.to), subject: message.subject } }, 'development mailer: e-mail not sent, logged instead');
    },
  };
}

export function createNotificationsModule(platform: Platform, deps: { identity: IdentityService; mailer?: Mailer }) {
  const service = createNotificationsService(platform, { identity: deps.identity, mailer: deps.mailer ?? logMailer(platform.logger) });
  platform.jobs.define<{ to: string; subject: string; text: string }>(DELIVER_EMAIL_JOB, (message) => service.deliverEmail(message), { maxAttempts: 8 });
  platform.events.subscribe('notifications.seller-onboarding', [...Object.keys(ONBOARDING_TEMPLATES), ...Object.keys(ORDER_TEMPLATES)], (event, tx) => service.notifySellerOfEvent(event, tx));
  platform.events.subscribe('notifications.operators', Object.keys(OPERATOR_TEMPLATES), (event, tx) => service.notifyOperatorsOfEvent(event, tx));
  return { service, registerRoutes: (app: HttpApp) => registerNotificationsRoutes(app, service) };
}

export type NotificationsModule = ReturnType<typeof createNotificationsModule>;
