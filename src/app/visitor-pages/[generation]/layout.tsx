import type { ReactNode } from "react";

/**
 * The pages a visitor without a session sees, rendered once per visitor generation and then answered from Next's
 * cache: src/server/visitor-page-routes.ts says which requests come here and why, services/visitor-pages.ts when the
 * generation moves. Each page is the app's own page, rendered force-static: it reads no cookies or headers, so it
 * is the signed-out view whoever asks, and it cannot see a session even if one came along.
 */
export const dynamic = "force-static";
/** Download counts and stars move no generation: at most this old. */
export const revalidate = 60;

/** None at build time (there is no database then): each is rendered on its first request. */
export function generateStaticParams(): { generation: string }[] {
  return [];
}

export default function VisitorPagesLayout({ children }: { children: ReactNode }) {
  return children;
}
