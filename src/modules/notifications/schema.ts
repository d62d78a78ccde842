import { index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const notifications = pgTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    sellerId: text('seller_id'),
    /** The event that caused it, so one event never notifies a person twice. */
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    locale: text('locale').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    data: jsonb('data').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    readAt: timestamp('read_at', { withTimezone: true }),
  },
  (t) => [index('notifications_account_idx').on(t.accountId, t.id), uniqueIndex('notifications_event_account_idx').on(t.eventId, t.accountId)],
);
