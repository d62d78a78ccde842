DROP INDEX "carts_buyer_idx";--> statement-breakpoint
ALTER TABLE "carts" ALTER COLUMN "buyer_account_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "carts" ADD COLUMN "guest_token_hash" text;--> statement-breakpoint
CREATE UNIQUE INDEX "carts_buyer_idx" ON "carts" USING btree ("buyer_account_id") WHERE "carts"."buyer_account_id" IS NOT NULL;