import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import type { DomainEvent } from '../../platform/events/index.ts';
import type { Db } from '../../platform/db/index.ts';
import { notFound } from '../../platform/errors/index.ts';
import { decodeCursor, toPage, type Page } from '../../platform/pagination.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import { authorize, requireOperator, requireSeller, type Account, type Caller, type IdentityService } from '../identity/index.ts';
import { notifications } from './schema.ts';
import { ONBOARDING_TEMPLATES, OPERATOR_TEMPLATES, ORDER_TEMPLATES, pickLocale, render, type Template } from './templates.ts';

const NOTIFICATION_PREFIX = registerIdPrefix('ntf', 'notification');
export const DELIVER_EMAIL_JOB = 'notifications.deliver_email';

/** Sends e-mail. The default writes to the log: it is the development mailer, not a delivery service. */
export interface Mailer {
  readonly name: string;
  send(message: { to: string; subject: string; text: string }): Promise<void>;
}

export interface Notification {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  createdAt: Date;
  readAt: Date | null;
}

function toNotification(row: typeof notifications.$inferSelect): Notification {
  return { id: row.id, type: row.type, title: row.title, body: row.body, data: row.data as Record<string, unknown>, createdAt: row.createdAt, readAt: row.readAt };
}

export function createNotificationsService(platform: Platform, deps: { identity: IdentityService; mailer: Mailer }) {
  const { db, clock, ids, jobs } = platform;

  /** An inbox entry per recipient, in their language, and an e-mail job beside it in the same transaction. */
  async function deliver(tx: Db, event: DomainEvent, recipients: Account[], templates: Record<'zh' | 'en', Template>): Promise<void> {
    for (const account of recipients) {
      const locale = pickLocale(account.locale);
      const message = render(templates[locale], event.payload);
      const id = ids(NOTIFICATION_PREFIX);
      const inserted = await tx
        .insert(notifications)
        .values({
        id,
        accountId: account.id,
        sellerId: event.sellerId,
        eventId: event.id,
        type: event.type,
        locale,
        title: message.title,
        body: message.body,
        data: { ...event.payload, subject: event.subject },
        createdAt: clock.now(),
        })
        .onConflictDoNothing()
        .returning({ id: notifications.id });
      if (inserted.length === 0) continue; // this person already has this event's message
      await jobs.enqueue(tx, DELIVER_EMAIL_JOB, { to: account.email, subject: message.title, text: message.body }, { dedupeKey: `email:${id}` });
    }
  }

  /** Each surface lists the inbox of its own kind of account. */
  function requireSurface(caller: Caller, surface: 'seller' | 'ops'): void {
    if (surface === 'ops') {
      requireOperator(caller.principal);
      return;
    }
    const seller = requireSeller(caller.principal);
    authorize(seller, 'read', 'Notification', { sellerId: seller.sellerId });
  }

  return {
    /** Tells the people who run a seller's onboarding (owner and staff with settings) what happened. */
    async notifySellerOfEvent(event: DomainEvent, tx: Db): Promise<void> {
      const onboarding = ONBOARDING_TEMPLATES[event.type];
      const templates = onboarding ?? ORDER_TEMPLATES[event.type];
      if (!templates || !event.sellerId) return;
      const recipients = await deps.identity.sellerMembersWith(tx, event.sellerId, onboarding ? 'settings' : 'orders');
      await deliver(tx, event, recipients, templates);
    },

    /** Tells the operators whose work it is (reviewers when a review is overdue). */
    async notifyOperatorsOfEvent(event: DomainEvent, tx: Db): Promise<void> {
      const rule = OPERATOR_TEMPLATES[event.type];
      if (!rule) return;
      await deliver(tx, event, await deps.identity.operatorsWithRoles(tx, rule.roles), rule.messages);
    },

    async deliverEmail(message: { to: string; subject: string; text: string }): Promise<void> {
      await deps.mailer.send(message);
    },

    async list(caller: Caller, surface: 'seller' | 'ops', filter: { unreadOnly?: boolean; limit: number; cursor?: string }): Promise<Page<Notification>> {
      requireSurface(caller, surface);
      const before = decodeCursor(filter.cursor, ['id:ntf'])?.[0];
      const rows = await db
        .select()
        .from(notifications)
        .where(and(eq(notifications.accountId, caller.principal.accountId), filter.unreadOnly ? isNull(notifications.readAt) : undefined, before ? lt(notifications.id, before) : undefined))
        .orderBy(desc(notifications.id))
        .limit(filter.limit + 1);
      return toPage(rows, filter.limit, toNotification, (item) => [item.id]);
    },

    async markRead(caller: Caller, surface: 'seller' | 'ops', notificationId: string): Promise<Notification> {
      requireSurface(caller, surface);
      const [row] = await db
        .update(notifications)
        .set({ readAt: clock.now() })
        .where(and(eq(notifications.id, notificationId), eq(notifications.accountId, caller.principal.accountId)))
        .returning();
      if (!row) throw notFound('notification', notificationId);
      return toNotification(row);
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
