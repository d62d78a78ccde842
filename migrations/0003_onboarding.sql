CREATE TABLE "compliance_cases" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"hits" jsonb NOT NULL,
	"list_version" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	"resolution_reason" text,
	CONSTRAINT "compliance_cases_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE TABLE "sanctions_screenings" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"screener" text NOT NULL,
	"list_version" text NOT NULL,
	"subjects" jsonb NOT NULL,
	"hits" jsonb NOT NULL,
	"outcome" text NOT NULL,
	"case_id" text,
	"screened_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sanctions_screenings_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE TABLE "calendar_overrides" (
	"country" text NOT NULL,
	"date" date NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "calendar_overrides_country_date_pk" PRIMARY KEY("country","date")
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"seller_id" text,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"locale" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"read_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "seller_applications" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"form" jsonb NOT NULL,
	"version" integer NOT NULL,
	"first_submitted_at" timestamp with time zone,
	"submitted_at" timestamp with time zone,
	"review_target_at" timestamp with time zone,
	"review_due_at" timestamp with time zone,
	"overdue_at" timestamp with time zone,
	"reviewer_account_id" text,
	"review_started_at" timestamp with time zone,
	"info_requests" jsonb,
	"decision_reason" text,
	"decided_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "seller_applications_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE TABLE "seller_documents" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"application_id" text NOT NULL,
	"kind" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"original_name" text NOT NULL,
	"storage_key" text NOT NULL,
	"uploaded_by" text NOT NULL,
	"uploaded_at" timestamp with time zone NOT NULL,
	"superseded_at" timestamp with time zone,
	CONSTRAINT "seller_documents_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE TABLE "seller_fee_policies" (
	"id" text PRIMARY KEY NOT NULL,
	"effective_from" date NOT NULL,
	"effective_to" date,
	"entry_fee_amount" bigint NOT NULL,
	"entry_fee_currency" text NOT NULL,
	"note" text NOT NULL,
	"source" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sellers" (
	"id" text PRIMARY KEY NOT NULL,
	"display_name" text NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stores" (
	"seller_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"name_key" text NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"application_id" text NOT NULL,
	"fee_policy_id" text NOT NULL,
	"entry_fee_amount" bigint NOT NULL,
	"entry_fee_currency" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	CONSTRAINT "stores_seller_id_id_pk" PRIMARY KEY("seller_id","id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "compliance_cases_id_idx" ON "compliance_cases" USING btree ("id");--> statement-breakpoint
CREATE INDEX "compliance_cases_subject_idx" ON "compliance_cases" USING btree ("subject_type","subject_id");--> statement-breakpoint
CREATE INDEX "compliance_cases_status_idx" ON "compliance_cases" USING btree ("status","opened_at");--> statement-breakpoint
CREATE INDEX "sanctions_screenings_subject_idx" ON "sanctions_screenings" USING btree ("subject_type","subject_id");--> statement-breakpoint
CREATE INDEX "notifications_account_idx" ON "notifications" USING btree ("account_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "seller_applications_id_idx" ON "seller_applications" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "seller_applications_open_idx" ON "seller_applications" USING btree ("seller_id") WHERE "seller_applications"."status" NOT IN ('approved', 'rejected');--> statement-breakpoint
CREATE INDEX "seller_applications_queue_idx" ON "seller_applications" USING btree ("review_due_at","id") WHERE "seller_applications"."status" IN ('submitted', 'resubmitted', 'under_review');--> statement-breakpoint
CREATE INDEX "seller_documents_application_idx" ON "seller_documents" USING btree ("seller_id","application_id");--> statement-breakpoint
CREATE UNIQUE INDEX "stores_id_idx" ON "stores" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "stores_seller_idx" ON "stores" USING btree ("seller_id");--> statement-breakpoint
CREATE UNIQUE INDEX "stores_name_key_idx" ON "stores" USING btree ("name_key");