CREATE TABLE "platform_restarts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"requested_by_user_id" uuid,
	"requested_by_label" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "platform_server_reloads" (
	"restart_id" uuid NOT NULL,
	"server_id" uuid NOT NULL,
	"server_label" text NOT NULL,
	"reloaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "platform_server_reloads_restart_id_server_id_pk" PRIMARY KEY("restart_id","server_id")
);
--> statement-breakpoint
ALTER TABLE "platform_restarts" ADD CONSTRAINT "platform_restarts_requested_by_user_id_users_id_fk" FOREIGN KEY ("requested_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "platform_server_reloads" ADD CONSTRAINT "platform_server_reloads_restart_id_platform_restarts_id_fk" FOREIGN KEY ("restart_id") REFERENCES "public"."platform_restarts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "platform_restarts_requested_idx" ON "platform_restarts" USING btree ("requested_at");