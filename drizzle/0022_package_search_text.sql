DROP INDEX "packages_search_trgm_idx";--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "search_text" text GENERATED ALWAYS AS (lower(name || ' ' || coalesce(summary, ''))) STORED;--> statement-breakpoint
CREATE INDEX "packages_search_text_trgm_idx" ON "packages" USING gin ("search_text" gin_trgm_ops);