-- Search indexes: trigram matching for typo-tolerant search, and B-tree operator classes inside
-- GIN so one index finds a market's matches. Both are trusted contrib extensions (PostgreSQL 13+):
-- the database owner may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gin;
