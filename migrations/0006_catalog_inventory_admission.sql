CREATE TABLE "listings" (
	"seller_id" text NOT NULL,
	"product_id" text NOT NULL,
	"market" text NOT NULL,
	"status" text NOT NULL,
	"findings" jsonb NOT NULL,
	"override" jsonb,
	"held" boolean DEFAULT false NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "listings_seller_id_product_id_market_pk" PRIMARY KEY("seller_id","product_id","market")
);
--> statement-breakpoint
CREATE TABLE "products" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"seller_ref" text,
	"category_code" text NOT NULL,
	"status" text NOT NULL,
	"content" jsonb NOT NULL,
	"markets" text[] NOT NULL,
	"content_hash" text NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "products_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE TABLE "skus" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"product_id" text NOT NULL,
	"seller_sku" text NOT NULL,
	"variant" jsonb NOT NULL,
	"price_amount" bigint NOT NULL,
	"price_currency" text NOT NULL,
	"country_prices" jsonb NOT NULL,
	"weight_grams" integer,
	"length_mm" integer,
	"width_mm" integer,
	"height_mm" integer,
	"barcode" text,
	"position" integer NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "skus_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE TABLE "certificates" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"product_id" text,
	"type" text NOT NULL,
	"number" text NOT NULL,
	"markets" text[] NOT NULL,
	"scope" text[] NOT NULL,
	"issuer" text NOT NULL,
	"valid_from" date NOT NULL,
	"valid_to" date,
	"file_key" text,
	"file_content_type" text,
	"status" text NOT NULL,
	"reviewed_by" text,
	"reviewed_at" timestamp with time zone,
	"rejection_reason" text,
	"expiry_processed_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "certificates_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE TABLE "listing_reviews" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"product_id" text NOT NULL,
	"market" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"reporter_account_id" text,
	"status" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"decision_reason" text,
	CONSTRAINT "listing_reviews_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE TABLE "stock_levels" (
	"seller_id" text NOT NULL,
	"sku_id" text NOT NULL,
	"warehouse" text NOT NULL,
	"on_hand" integer NOT NULL,
	"reserved" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "stock_levels_seller_id_sku_id_warehouse_pk" PRIMARY KEY("seller_id","sku_id","warehouse"),
	CONSTRAINT "stock_levels_not_negative" CHECK ("stock_levels"."on_hand" >= 0 AND "stock_levels"."reserved" >= 0 AND "stock_levels"."reserved" <= "stock_levels"."on_hand")
);
--> statement-breakpoint
CREATE TABLE "stock_movements" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"sku_id" text NOT NULL,
	"warehouse" text NOT NULL,
	"delta" integer NOT NULL,
	"on_hand_after" integer NOT NULL,
	"reason" text NOT NULL,
	"reference" text,
	"actor_id" text,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "stock_movements_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE TABLE "reference_item_versions" (
	"collection" text NOT NULL,
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"active" boolean NOT NULL,
	"changed_by" text NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	CONSTRAINT "reference_item_versions_collection_key_version_pk" PRIMARY KEY("collection","key","version")
);
--> statement-breakpoint
CREATE TABLE "reference_items" (
	"collection" text NOT NULL,
	"key" text NOT NULL,
	"definition" jsonb NOT NULL,
	"version" integer NOT NULL,
	"active" boolean NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "reference_items_collection_key_pk" PRIMARY KEY("collection","key")
);
--> statement-breakpoint
CREATE TABLE "reference_revisions" (
	"collection" text PRIMARY KEY NOT NULL,
	"revision" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "listings_held_idx" ON "listings" USING btree ("evaluated_at") WHERE "listings"."held";--> statement-breakpoint
CREATE INDEX "listings_market_status_idx" ON "listings" USING btree ("market","status");--> statement-breakpoint
CREATE UNIQUE INDEX "products_id_idx" ON "products" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "products_seller_ref_idx" ON "products" USING btree ("seller_id","seller_ref") WHERE "products"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX "products_seller_category_idx" ON "products" USING btree ("seller_id","category_code");--> statement-breakpoint
CREATE UNIQUE INDEX "skus_id_idx" ON "skus" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "skus_seller_sku_idx" ON "skus" USING btree ("seller_id","seller_sku") WHERE "skus"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX "skus_product_idx" ON "skus" USING btree ("seller_id","product_id");--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_id_idx" ON "certificates" USING btree ("id");--> statement-breakpoint
CREATE INDEX "certificates_product_idx" ON "certificates" USING btree ("seller_id","product_id");--> statement-breakpoint
CREATE INDEX "certificates_expiry_idx" ON "certificates" USING btree ("valid_to") WHERE "certificates"."expiry_processed_at" IS NULL AND "certificates"."valid_to" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "listing_reviews_id_idx" ON "listing_reviews" USING btree ("id");--> statement-breakpoint
CREATE INDEX "listing_reviews_open_idx" ON "listing_reviews" USING btree ("opened_at","id") WHERE "listing_reviews"."status" = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "listing_reviews_open_hold_idx" ON "listing_reviews" USING btree ("seller_id","product_id","market") WHERE "listing_reviews"."status" = 'open' AND "listing_reviews"."kind" = 'hold';--> statement-breakpoint
CREATE INDEX "stock_movements_sku_idx" ON "stock_movements" USING btree ("seller_id","sku_id","occurred_at");