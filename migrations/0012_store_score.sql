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
CREATE UNIQUE INDEX "store_score_changes_once_idx" ON "store_score_changes" USING btree ("seller_id","code","reference");