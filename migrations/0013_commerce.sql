CREATE TABLE "cart_items" (
	"cart_id" text NOT NULL,
	"sku_id" text NOT NULL,
	"seller_id" text NOT NULL,
	"quantity" integer NOT NULL,
	"price_seen" jsonb NOT NULL,
	"added_at" timestamp with time zone NOT NULL,
	CONSTRAINT "cart_items_cart_id_sku_id_pk" PRIMARY KEY("cart_id","sku_id")
);
--> statement-breakpoint
CREATE TABLE "carts" (
	"id" text PRIMARY KEY NOT NULL,
	"buyer_account_id" text,
	"guest_token_hash" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "checkouts" (
	"id" text PRIMARY KEY NOT NULL,
	"buyer_account_id" text NOT NULL,
	"market" text NOT NULL,
	"currency" text NOT NULL,
	"grand_total" bigint NOT NULL,
	"payment_id" text NOT NULL,
	"order_ids" text[] NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_lines" (
	"seller_id" text NOT NULL,
	"order_id" text NOT NULL,
	"line_no" integer NOT NULL,
	"sku_id" text NOT NULL,
	"product_id" text NOT NULL,
	"seller_sku" text NOT NULL,
	"title" text NOT NULL,
	"variant" jsonb NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price" bigint NOT NULL,
	"price_currency" text NOT NULL,
	"buyer_unit_price" bigint NOT NULL,
	"buyer_line_total" bigint NOT NULL,
	"weight_grams" integer,
	"hs_code" text,
	"commission_rate" text NOT NULL,
	"commission_amount" bigint NOT NULL,
	"allocations" jsonb NOT NULL,
	"shipped_quantity" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "order_lines_seller_id_order_id_line_no_pk" PRIMARY KEY("seller_id","order_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "order_shipments" (
	"seller_id" text NOT NULL,
	"order_id" text NOT NULL,
	"shipment_id" text NOT NULL,
	"carrier_code" text NOT NULL,
	"tracking_number" text NOT NULL,
	"lines" jsonb NOT NULL,
	"shipped_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "order_shipments_seller_id_order_id_shipment_id_pk" PRIMARY KEY("seller_id","order_id","shipment_id")
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"checkout_id" text NOT NULL,
	"buyer_account_id" text NOT NULL,
	"status" text NOT NULL,
	"suspended_from" text,
	"suspended_from_earlier" text,
	"end_reason" text,
	"market" text NOT NULL,
	"currency" text NOT NULL,
	"shipping_address" jsonb NOT NULL,
	"buyer_identifiers" jsonb NOT NULL,
	"shipping" jsonb NOT NULL,
	"taxes" jsonb NOT NULL,
	"goods_total" bigint NOT NULL,
	"shipping_total" bigint NOT NULL,
	"tax_total" bigint NOT NULL,
	"grand_total" bigint NOT NULL,
	"commission_amount" bigint NOT NULL,
	"fx_rate_ids" text[] NOT NULL,
	"handling_hours" integer NOT NULL,
	"cancel_request" jsonb,
	"frozen_at" timestamp with time zone,
	"placed_at" timestamp with time zone NOT NULL,
	"pay_due_at" timestamp with time zone NOT NULL,
	"paid_at" timestamp with time zone,
	"risk_release_at" timestamp with time zone,
	"ship_due_at" timestamp with time zone,
	"late_at" timestamp with time zone,
	"shipped_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"confirm_due_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	"version" integer NOT NULL,
	CONSTRAINT "orders_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE TABLE "payment_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"payment_id" text NOT NULL,
	"buyer_account_id" text NOT NULL,
	"number" integer NOT NULL,
	"provider" text NOT NULL,
	"provider_reference" text,
	"provider_status" text,
	"status" text NOT NULL,
	"method_type" text NOT NULL,
	"method_token" text NOT NULL,
	"method_brand" text,
	"method_last4" text,
	"method_exp_month" integer,
	"method_exp_year" integer,
	"failure_code" text,
	"failure_message" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "payment_intents" (
	"id" text PRIMARY KEY NOT NULL,
	"buyer_account_id" text NOT NULL,
	"reference_type" text NOT NULL,
	"reference_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"description" text,
	"status" text NOT NULL,
	"next_action" jsonb,
	"cancellation_reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "payment_refunds" (
	"id" text PRIMARY KEY NOT NULL,
	"payment_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"reason" text NOT NULL,
	"reference_type" text NOT NULL,
	"reference_id" text NOT NULL,
	"status" text NOT NULL,
	"provider_reference" text,
	"failure_code" text,
	"failure_message" text,
	"checks" integer DEFAULT 0 NOT NULL,
	"next_check_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "search_categories" (
	"code" text PRIMARY KEY NOT NULL,
	"names" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_clicks" (
	"search_id" text NOT NULL,
	"product_id" text NOT NULL,
	"position" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "search_clicks_search_id_product_id_pk" PRIMARY KEY("search_id","product_id")
);
--> statement-breakpoint
CREATE TABLE "search_documents" (
	"market" text NOT NULL,
	"product_id" text NOT NULL,
	"seller_id" text NOT NULL,
	"store_name" text NOT NULL,
	"listing_status" text NOT NULL,
	"category_code" text NOT NULL,
	"category_path" text[] NOT NULL,
	"main_language" text NOT NULL,
	"titles" jsonb NOT NULL,
	"main_image" text,
	"search_vector" "tsvector" NOT NULL,
	"search_text" text NOT NULL,
	"price_from_amount" bigint NOT NULL,
	"price_from_currency" text NOT NULL,
	"price_to_amount" bigint NOT NULL,
	"price_to_currency" text NOT NULL,
	"price_from_usd" bigint NOT NULL,
	"price_to_usd" bigint NOT NULL,
	"fx_snapshot" text NOT NULL,
	"in_stock" boolean NOT NULL,
	"quality_score" smallint NOT NULL,
	"store_score" smallint NOT NULL,
	"market_preference" double precision NOT NULL,
	"rank_weight" double precision NOT NULL,
	"rank_key" bigint NOT NULL,
	"ships_from" text[] NOT NULL,
	"fulfilment" text[] NOT NULL,
	"free_shipping" boolean NOT NULL,
	"delivery_days_min" smallint,
	"delivery_days_max" smallint,
	"indexed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "search_documents_market_product_id_pk" PRIMARY KEY("market","product_id")
);
--> statement-breakpoint
CREATE TABLE "search_queries" (
	"id" text PRIMARY KEY NOT NULL,
	"market" text NOT NULL,
	"language" text NOT NULL,
	"query" text NOT NULL,
	"normalized_query" text NOT NULL,
	"filters" jsonb NOT NULL,
	"results_count" integer NOT NULL,
	"fuzzy" boolean NOT NULL,
	"buyer_account_id" text,
	"session_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "store_score_changes" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"code" text NOT NULL,
	"delta" integer NOT NULL,
	"score_after" integer NOT NULL,
	"reason" text NOT NULL,
	"reference" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "store_score_changes_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "score" integer DEFAULT 100 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "carts_buyer_idx" ON "carts" USING btree ("buyer_account_id") WHERE "carts"."buyer_account_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "checkouts_buyer_idx" ON "checkouts" USING btree ("buyer_account_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "checkouts_payment_idx" ON "checkouts" USING btree ("payment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "order_shipments_shipment_idx" ON "order_shipments" USING btree ("shipment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_id_idx" ON "orders" USING btree ("id");--> statement-breakpoint
CREATE INDEX "orders_checkout_idx" ON "orders" USING btree ("checkout_id");--> statement-breakpoint
CREATE INDEX "orders_buyer_idx" ON "orders" USING btree ("buyer_account_id","id");--> statement-breakpoint
CREATE INDEX "orders_seller_status_idx" ON "orders" USING btree ("seller_id","status","id");--> statement-breakpoint
CREATE INDEX "orders_risk_due_idx" ON "orders" USING btree ("risk_release_at") WHERE "orders"."status" = 'RISK_CONTROL';--> statement-breakpoint
CREATE INDEX "orders_ship_due_idx" ON "orders" USING btree ("ship_due_at") WHERE "orders"."status" IN ('WAIT_SELLER_SEND_GOODS', 'IN_CANCEL') AND "orders"."late_at" IS NULL;--> statement-breakpoint
CREATE INDEX "orders_confirm_due_idx" ON "orders" USING btree ("confirm_due_at") WHERE "orders"."status" = 'WAIT_BUYER_ACCEPT_GOODS';--> statement-breakpoint
CREATE UNIQUE INDEX "payment_attempts_number_idx" ON "payment_attempts" USING btree ("payment_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_attempts_one_success_idx" ON "payment_attempts" USING btree ("payment_id") WHERE "payment_attempts"."status" IN ('succeeded', 'authorized');--> statement-breakpoint
CREATE INDEX "payment_attempts_pending_idx" ON "payment_attempts" USING btree ("updated_at") WHERE "payment_attempts"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "payment_intents_reference_idx" ON "payment_intents" USING btree ("reference_type","reference_id") WHERE "payment_intents"."status" NOT IN ('canceled', 'failed', 'expired');--> statement-breakpoint
CREATE INDEX "payment_intents_expiry_idx" ON "payment_intents" USING btree ("expires_at") WHERE "payment_intents"."status" IN ('requires_payment_method', 'requires_action');--> statement-breakpoint
CREATE UNIQUE INDEX "payment_refunds_reference_idx" ON "payment_refunds" USING btree ("payment_id","reference_type","reference_id");--> statement-breakpoint
CREATE INDEX "payment_refunds_check_idx" ON "payment_refunds" USING btree ("next_check_at") WHERE "payment_refunds"."status" IN ('pending', 'manual_review');--> statement-breakpoint
CREATE INDEX "search_documents_text_idx" ON "search_documents" USING gin ("market","search_vector");--> statement-breakpoint
CREATE INDEX "search_documents_trigram_idx" ON "search_documents" USING gin ("market","search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "search_documents_category_idx" ON "search_documents" USING gin ("market","category_path");--> statement-breakpoint
CREATE INDEX "search_documents_browse_idx" ON "search_documents" USING btree ("market","in_stock" DESC NULLS LAST,"rank_key" DESC NULLS LAST,"product_id");--> statement-breakpoint
CREATE INDEX "search_documents_seller_idx" ON "search_documents" USING btree ("seller_id");--> statement-breakpoint
CREATE INDEX "search_documents_product_idx" ON "search_documents" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "search_queries_market_time_idx" ON "search_queries" USING btree ("market","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "store_score_changes_once_idx" ON "store_score_changes" USING btree ("seller_id","code","reference");