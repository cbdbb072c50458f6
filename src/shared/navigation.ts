/** The dashboard's Tools menu, as in the seed: each view of what the signed-in account has and follows. */
export const dashboardViews = [
  { slug: "", label: "Landscape", description: "Your home page." },
  { slug: "all", label: "View All", description: "All packages, notebooks and environments you have created." },
  { slug: "packages", label: "Packages", description: "Only packages you have created." },
  { slug: "notebooks", label: "Notebooks", description: "Only notebooks you have created." },
  { slug: "environments", label: "Environments", description: "Only environments you have created." },
  { slug: "favorites", label: "Favorites", description: "Packages from other users you have starred." },
  { slug: "organizations", label: "Organizations", description: "Organizations you belong to, and creating a new one." },
  { slug: "groups", label: "Group Membership", description: "The organization groups you can access." },
  { slug: "labels", label: "Labels", description: "Labels you have created, for example test or development." },
] as const;

export function dashboardHref(slug: string): string {
  return slug ? `/dashboard/${slug}` : "/dashboard";
}

/** The Tools entries as links, in the one order the top bar's menu and the dashboard's navigation both show. */
export const toolLinks: readonly { href: string; label: string }[] = [
  ...dashboardViews.map((view) => ({ href: dashboardHref(view.slug), label: view.label })),
  // The tasks of the applications installed on the platform (issue 15).
  { href: "/tools/applications", label: "Applications" },
];

/** An organization's own dashboard, where its members land (the personal one is /dashboard). */
export function organizationDashboardHref(organization: string): string {
  return `/${encodeURIComponent(organization)}/dashboard`;
}

/** The pages of an organization's settings, for its administrators. */
export function organizationSettingsSections(organization: string) {
  const base = `/${encodeURIComponent(organization)}/settings`;
  return [
    { href: base, label: "General" },
    { href: `${base}/members`, label: "Members" },
    { href: `${base}/groups`, label: "Groups" },
    { href: `${base}/billing`, label: "Billing" },
  ];
}
