-- The plans Granary ships, after the seed's Free vs. paid: site administrators edit them, add others and assign
-- any plan to any owner (Admin -> Plans). Owners without an assigned plan have their audience's default.
INSERT INTO "plans" ("slug", "name", "description", "audience", "max_private_packages", "max_storage_bytes", "self_service", "is_default", "price_label", "sort_order") VALUES
  ('free', 'Free', 'Public packages without limit, a few private ones, and 10 GB of storage.', 'user', 10, 10737418240, true, true, 'Free', 10),
  ('personal', 'Personal', 'Up to 100 private packages and 50 GB of storage.', 'user', 100, 53687091200, false, false, 'Ask your administrator', 20),
  ('academic', 'Academic', 'For confirmed addresses at academic domains: up to 100 private packages and 50 GB of storage.', 'user', 100, 53687091200, false, false, 'Free for academic users', 30),
  ('free-organization', 'Free', 'Public packages without limit and 10 GB of storage; no private packages.', 'organization', 0, 10737418240, true, true, 'Free', 40),
  ('organization', 'Organization', 'Up to 100 private packages and 100 GB of storage.', 'organization', 100, 107374182400, false, false, 'Ask your administrator', 50);
