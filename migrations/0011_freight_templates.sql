CREATE TABLE "freight_templates" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"is_default" boolean NOT NULL,
	"handling_days" integer NOT NULL,
	"rules" jsonb NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "freight_templates_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "freight_templates_id_idx" ON "freight_templates" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "freight_templates_default_idx" ON "freight_templates" USING btree ("seller_id") WHERE "freight_templates"."is_default";--> statement-breakpoint
CREATE UNIQUE INDEX "freight_templates_name_idx" ON "freight_templates" USING btree ("seller_id","name");