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
CREATE UNIQUE INDEX "payment_attempts_number_idx" ON "payment_attempts" USING btree ("payment_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_attempts_one_success_idx" ON "payment_attempts" USING btree ("payment_id") WHERE "payment_attempts"."status" IN ('succeeded', 'authorized');--> statement-breakpoint
CREATE INDEX "payment_attempts_pending_idx" ON "payment_attempts" USING btree ("updated_at") WHERE "payment_attempts"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "payment_intents_reference_idx" ON "payment_intents" USING btree ("reference_type","reference_id") WHERE "payment_intents"."status" NOT IN ('canceled', 'failed', 'expired');--> statement-breakpoint
CREATE INDEX "payment_intents_expiry_idx" ON "payment_intents" USING btree ("expires_at") WHERE "payment_intents"."status" IN ('requires_payment_method', 'requires_action');