import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Reference data operators can edit (category tree, prohibited items…): one row per item of a
 * collection with its current definition, every version ever held, and a revision per collection
 * that moves with any change so each process knows when its cached copy is stale.
 */
export const referenceItems = pgTable(
  'reference_items',
  {
    collection: text('collection').notNull(),
    key: text('key').notNull(),
    definition: jsonb('definition').notNull(),
    version: integer('version').notNull(),
    active: boolean('active').notNull(),
    /** 'reference-data' while the item is as shipped; the operator's account id once edited. */
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.collection, t.key] })],
);

export const referenceItemVersions = pgTable(
  'reference_item_versions',
  {
    collection: text('collection').notNull(),
    key: text('key').notNull(),
    version: integer('version').notNull(),
    definition: jsonb('definition').notNull(),
    active: boolean('active').notNull(),
    changedBy: text('changed_by').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [primaryKey({ columns: [t.collection, t.key, t.version] })],
);

export const referenceRevisions = pgTable('reference_revisions', {
  collection: text('collection').primaryKey(),
  revision: integer('revision').notNull(),
});
