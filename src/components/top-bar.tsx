import { createHash } from "node:crypto";
import Link from "next/link";
import { can, type Actor } from "@/server/authz";
import { organizationDashboardHref, toolLinks } from "@/shared/navigation";
import { getServerApi } from "@/trpc/server";
import { GravatarImage } from "./avatar";
import { DisclosureMenu } from "./menu";
import { OwnerAvatar } from "./owner-avatar";
import { SignOutButton } from "./sign-out-button";
import { ToolsNavigation } from "./tools-navigation";

function gravatarUrl(email: string): string {
  // Gravatar addresses images by the MD5 of the trimmed, lower-cased address; d=404 lets us fall back to initials.
  const digest = createHash("md5").update(email.trim().toLowerCase()).digest("hex");
  return `https://www.gravatar.com/avatar/${digest}?s=56&d=404`;
}

function GranaryLogo() {
  return (
    <svg aria-hidden="true" width="22" height="22" viewBox="0 0 24 24" fill="none">
      <path d="M12 22V8" stroke="#86efac" strokeWidth="2" strokeLinecap="round" />
      <ellipse cx="12" cy="5" rx="2.2" ry="3.2" fill="#facc15" />
      <ellipse cx="8" cy="10" rx="2" ry="3" transform="rotate(-35 8 10)" fill="#facc15" />
      <ellipse cx="16" cy="10" rx="2" ry="3" transform="rotate(35 16 10)" fill="#facc15" />
      <ellipse cx="8" cy="15.5" rx="2" ry="3" transform="rotate(-35 8 15.5)" fill="#fde047" />
      <ellipse cx="16" cy="15.5" rx="2" ry="3" transform="rotate(35 16 15.5)" fill="#fde047" />
    </svg>
  );
}

function BellIcon() {
  return (
    <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

/** The bell: the number of unread notifications, and the way to them. */
function NotificationBell({ unread }: { unread: number }) {
  return (
    <Link
      href="/notifications"
      aria-label={unread === 0 ? "Notifications" : `Notifications, ${unread} unread`}
      data-testid="notification-bell"
      className="relative rounded-md p-1.5 text-stone-100 no-underline hover:bg-stone-800"
    >
      <BellIcon />
      {unread > 0 ? (
        <span
          aria-hidden="true"
          data-testid="notification-count"
          className="absolute -top-0.5 -right-0.5 min-w-4 rounded-full bg-amber-400 px-1 text-center text-[10px] leading-4 font-bold text-stone-900"
        >
          {unread > 99 ? "99+" : unread}
        </span>
      ) : null}
    </Link>
  );
}

/**
 * The seed's two links for site administrators: the admin panel, with a red dot while an exception is unread, and
 * the people signed in now.
 */
function AdministratorLinks({ unreadExceptions }: { unreadExceptions: number | null }) {
  const linkClass = "relative rounded-md px-2 py-1.5 text-sm font-medium text-stone-100 no-underline hover:bg-stone-800 sm:px-3";
  return (
    <>
      <Link href="/admin" className={linkClass} data-testid="top-bar-admin">
        Admin
        {unreadExceptions ? (
          <>
            <span aria-hidden="true" data-testid="unread-exceptions-dot" className="absolute top-1 right-0.5 size-2 rounded-full bg-red-500" />
            <span className="sr-only">, {unreadExceptions === 1 ? "1 unread exception" : `${unreadExceptions >= 100 ? "100 or more" : unreadExceptions} unread exceptions`}</span>
          </>
        ) : null}
      </Link>
      <Link href="/users" className={linkClass}>
        Users
      </Link>
    </>
  );
}

/**
 * What the signed-in account's top bar shows besides itself: the bell's number, the organizations to switch to and,
 * for administrators, whether an exception is unread.
 */
async function accountContext(actor: Actor) {
  const api = await getServerApi();
  const [unread, administered, exceptions, settings] = await Promise.all([
    api.notifications.unreadCount(),
    api.organizations.mine({ administeredOnly: true }),
    can(actor, "admin:exceptions:read") ? api.admin.unreadExceptionCount() : Promise.resolve(null),
    api.site.settings(),
  ]);
  return { unread, administered, unreadExceptions: exceptions?.unread ?? null, gravatar: settings.gravatar === true };
}

export async function TopBar({ actor }: { actor: Actor }) {
  const user = actor.kind === "user" ? actor.user : null;
  const displayName = user ? user.name || user.username : "";
  const context = user ? await accountContext(actor) : null;
  const administrator = can(actor, "admin:users:read");
  // With accounts from a directory there is nothing to sign up for.
  const offersSignUp = user ? false : (await (await getServerApi()).site.settings()).accountType !== "ldap";
  return (
    <header className="bg-stone-900 text-stone-100">
      <nav aria-label="Main" className="mx-auto flex max-w-6xl items-center gap-1 px-3 py-2 sm:flex-wrap sm:gap-4 sm:px-4">
        <Link href={user ? "/dashboard" : "/"} className="mr-1 flex shrink-0 items-center gap-2 text-lg font-bold text-white no-underline hover:no-underline sm:mr-2">
          <GranaryLogo />
          Granary
        </Link>
        {user ? (
          <div className="hidden sm:block">
            <ToolsNavigation placement="menu" />
          </div>
        ) : null}
        {/* On phones the bar folds into one menu (search, tools, upload), so it stays one row. */}
        <div className="sm:hidden">
          <DisclosureMenu
            label="Menu"
            buttonContent={<span>Menu</span>}
            links={user ? [...toolLinks, { href: "/upload", label: "Upload" }] : [{ href: "/search", label: "Browse packages" }]}
            footer={
              <form role="search" action="/search" className="px-4 py-2">
                <label htmlFor="menu-search" className="sr-only">
                  Search packages
                </label>
                <input id="menu-search" name="q" placeholder="Search packages" className="input" />
              </form>
            }
          />
        </div>
        <form role="search" action="/search" className="hidden sm:block sm:max-w-xs sm:flex-1">
          <label htmlFor="top-search" className="sr-only">
            Search packages
          </label>
          <input
            id="top-search"
            name="q"
            placeholder="Search packages"
            className="w-full rounded-md border border-stone-600 bg-stone-800 px-3 py-1.5 text-sm text-white placeholder:text-stone-400"
          />
        </form>
        <div className="ml-auto flex flex-wrap items-center justify-end gap-1 sm:gap-2">
          {user && context && administrator ? <AdministratorLinks unreadExceptions={context.unreadExceptions} /> : null}
          {user ? (
            <Link href="/upload" className="hidden rounded-md px-3 py-1.5 text-sm font-medium text-stone-100 no-underline hover:bg-stone-800 sm:inline-flex">
              Upload
            </Link>
          ) : null}
          {user && context ? <NotificationBell unread={context.unread} /> : null}
          {user && context ? (
            <DisclosureMenu
              label={`Account menu for ${displayName}`}
              align="right"
              sections={
                context.administered.length > 0
                  ? [
                      {
                        heading: "Switch to",
                        links: [
                          { href: "/dashboard", label: `${user.username} (personal)` },
                          ...context.administered.map((organization) => ({ href: organizationDashboardHref(organization.username), label: organization.username })),
                        ],
                      },
                    ]
                  : []
              }
              buttonContent={
                <>
                  {context.gravatar ? (
                    <GravatarImage gravatarUrl={gravatarUrl(user.email)} fallback={<OwnerAvatar name={displayName} kind="user" size={28} />} />
                  ) : (
                    <OwnerAvatar name={displayName} kind="user" size={28} />
                  )}
                  <span data-testid="user-menu-name" className="hidden max-w-32 truncate sm:inline">
                    {displayName}
                  </span>
                </>
              }
              links={[
                { href: "/dashboard", label: "Dashboard" },
                { href: "/settings/account", label: "Settings" },
                { href: "/settings/security", label: "Security history" },
                { href: `/${user.username}/settings/access`, label: "Access tokens" },
                ...(administrator ? [{ href: "/admin", label: "Admin panel" }] : []),
              ]}
              footer={<SignOutButton />}
            />
          ) : (
            <>
              <Link href="/sign-in" className="rounded-md px-3 py-1.5 text-sm font-medium text-stone-100 no-underline hover:bg-stone-800">
                Sign in
              </Link>
              {offersSignUp ? (
                <Link href="/sign-up" className="button py-1.5">
                  Sign up
                </Link>
              ) : null}
            </>
          )}
        </div>
      </nav>
    </header>
  );
}
