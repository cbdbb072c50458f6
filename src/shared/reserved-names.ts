/**
 * Pages and package protocols share one host, so some names cannot be taken. This is the one list; the
 * username (and later organization and package name) validators use it.
 */

/** First path segments of the app's own routes: an owner named like this would be unreachable. */
export const reservedOwnerNames: ReadonlySet<string> = new Set([
  "about", "account", "admin", "api", "app", "apps", "assets", "auth", "blog", "channels", "confirm-email",
  "dashboard", "docs", "download", "downloads", "explore", "favicon.ico", "favicon.svg", "forgot-password", "forgot-username",
  "help", "home", "login", "logout", "manifest.webmanifest", "new", "notebooks", "notifications", "organization", "organizations", "orgs", "packages",
  "pricing", "public", "register", "reset-password", "robots.txt", "root", "search", "security", "settings",
  "sign-in", "sign-out", "sign-up", "signin", "signout", "signup", "site", "sitemap.xml", "static", "status",
  "support", "system", "t", "terms", "token", "tokens", "tools", "upload", "user", "users", "_next", "environments",
  "granary", "conda", "pypi", "simple",
]);

/** Conda platform subdirectories; a package named like one would shadow a channel folder. */
export const condaSubdirs: ReadonlySet<string> = new Set([
  "noarch", "linux-32", "linux-64", "linux-aarch64", "linux-armv6l", "linux-armv7l", "linux-ppc64",
  "linux-ppc64le", "linux-riscv64", "linux-s390x", "osx-64", "osx-arm64", "win-32", "win-64", "win-arm64",
  "zos-z", "emscripten-wasm32", "wasi-wasm32", "freebsd-64",
]);

/** Path segments the conda and PyPI protocols use under an owner, and the owner's own pages (/<owner>/settings, /dashboard). */
export const reservedPackageNames: ReadonlySet<string> = new Set([
  "label", "simple", "pypi", "channeldata.json", "repodata.json", "settings", "dashboard", "files", "t", ...condaSubdirs,
]);

export function isReservedOwnerName(name: string): boolean {
  return reservedOwnerNames.has(name.toLowerCase());
}

export function isReservedPackageName(name: string): boolean {
  return reservedPackageNames.has(name.toLowerCase());
}
