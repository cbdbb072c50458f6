-- Search matches substrings (ilike '%term%'), which the word index it replaces could not serve; pg_trgm's trigram
-- index can. pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
DROP INDEX "packages_search_idx";--> statement-breakpoint
CREATE INDEX "packages_search_trgm_idx" ON "packages" USING gin (("name" || ' ' || coalesce("summary", '')) gin_trgm_ops);