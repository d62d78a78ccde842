import { date, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Operators' changes to a shipped business-day calendar: a day off added, or a make-up working day. */
export const calendarOverrides = pgTable(
  'calendar_overrides',
  {
    country: text('country').notNull(),
    date: date('date').notNull(),
    /** holiday | working_day */
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.country, t.date] })],
);
