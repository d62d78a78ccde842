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
CREATE INDEX "search_documents_text_idx" ON "search_documents" USING gin ("market","search_vector");--> statement-breakpoint
CREATE INDEX "search_documents_trigram_idx" ON "search_documents" USING gin ("market","search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "search_documents_category_idx" ON "search_documents" USING gin ("market","category_path");--> statement-breakpoint
CREATE INDEX "search_documents_browse_idx" ON "search_documents" USING btree ("market","in_stock" DESC NULLS LAST,"rank_key" DESC NULLS LAST,"product_id");--> statement-breakpoint
CREATE INDEX "search_documents_seller_idx" ON "search_documents" USING btree ("seller_id");--> statement-breakpoint
CREATE INDEX "search_documents_product_idx" ON "search_documents" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "search_queries_market_time_idx" ON "search_queries" USING btree ("market","created_at");