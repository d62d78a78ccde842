CREATE TABLE "shipment_outcomes" (
	"seller_id" text NOT NULL,
	"shipment_id" text NOT NULL,
	"carrier_code" text NOT NULL,
	"outcome" text NOT NULL,
	"closed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "shipment_outcomes_seller_id_shipment_id_pk" PRIMARY KEY("seller_id","shipment_id")
);
--> statement-breakpoint
ALTER TABLE "tracked_parcels" ADD COLUMN "continues_id" text;--> statement-breakpoint
CREATE INDEX "shipment_outcomes_closed_idx" ON "shipment_outcomes" USING btree ("seller_id","closed_at");--> statement-breakpoint
CREATE INDEX "tracked_parcels_continues_idx" ON "tracked_parcels" USING btree ("continues_id") WHERE "tracked_parcels"."continues_id" IS NOT NULL;