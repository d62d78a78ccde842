CREATE SEQUENCE "public"."platform_tracking_serial" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "shipments" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"order_ref" text NOT NULL,
	"service_code" text NOT NULL,
	"carrier_code" text NOT NULL,
	"tracking_number" text NOT NULL,
	"status" text NOT NULL,
	"sender" jsonb NOT NULL,
	"recipient" jsonb NOT NULL,
	"items" jsonb NOT NULL,
	"customs_category" text NOT NULL,
	"weight_grams" integer NOT NULL,
	"package_mm" jsonb,
	"charges" jsonb,
	"replaces" text,
	"cancel_reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"handed_over_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	CONSTRAINT "shipments_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "shipments_id_idx" ON "shipments" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "shipments_tracking_idx" ON "shipments" USING btree ("carrier_code","tracking_number") WHERE "shipments"."status" <> 'cancelled';--> statement-breakpoint
CREATE INDEX "shipments_order_idx" ON "shipments" USING btree ("seller_id","order_ref");