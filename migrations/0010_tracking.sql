CREATE TABLE "tracked_parcels" (
	"id" text PRIMARY KEY NOT NULL,
	"seller_id" text NOT NULL,
	"shipment_id" text NOT NULL,
	"carrier_code" text NOT NULL,
	"tracking_number" text NOT NULL,
	"provider" text NOT NULL,
	"status" text NOT NULL,
	"sub_status" text NOT NULL,
	"events" jsonb NOT NULL,
	"notified_stages" text[] NOT NULL,
	"registered_at" timestamp with time zone NOT NULL,
	"last_event_at" timestamp with time zone,
	"last_received_at" timestamp with time zone,
	"last_checked_at" timestamp with time zone,
	"next_check_at" timestamp with time zone,
	"failures" integer NOT NULL,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tracking_webhook_deliveries" (
	"provider" text NOT NULL,
	"delivery_id" text NOT NULL,
	"snapshots" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"processed_at" timestamp with time zone,
	CONSTRAINT "tracking_webhook_deliveries_provider_delivery_id_pk" PRIMARY KEY("provider","delivery_id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "tracked_parcels_number_idx" ON "tracked_parcels" USING btree ("carrier_code","tracking_number") WHERE "tracked_parcels"."stopped_at" IS NULL;--> statement-breakpoint
CREATE INDEX "tracked_parcels_shipment_idx" ON "tracked_parcels" USING btree ("seller_id","shipment_id");--> statement-breakpoint
CREATE INDEX "tracked_parcels_due_idx" ON "tracked_parcels" USING btree ("next_check_at") WHERE "tracked_parcels"."next_check_at" IS NOT NULL;