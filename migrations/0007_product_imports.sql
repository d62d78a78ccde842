CREATE TABLE "product_imports" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"status" text NOT NULL,
	"file_name" text NOT NULL,
	"file_key" text NOT NULL,
	"format" text NOT NULL,
	"sha256" text NOT NULL,
	"created_by" text NOT NULL,
	"resume_after_row" integer DEFAULT 1 NOT NULL,
	"counts" jsonb NOT NULL,
	"errors" jsonb NOT NULL,
	"failure" text,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "product_imports_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "product_imports_id_idx" ON "product_imports" USING btree ("id");