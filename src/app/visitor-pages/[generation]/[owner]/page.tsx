import type { Metadata } from "next";
import OwnerPage, { generateMetadata as ownerMetadata } from "../../../[owner]/page";

// An owner's page without a query, as a visitor without a session sees it (see ../layout.tsx).
export const dynamic = "force-static";
export const revalidate = 60;

export function generateStaticParams(): { owner: string }[] {
  return [];
}

type Props = { params: Promise<{ owner: string }> };
/** Only addresses without a query come here (visitor-page-routes.ts); a static page has no query to read anyway. */
const noQuery = Promise.resolve({});

export function generateMetadata({ params }: Props): Promise<Metadata> {
  return ownerMetadata({ params, searchParams: noQuery });
}

export default function VisitorOwnerPage({ params }: Props) {
  return <OwnerPage params={params} searchParams={noQuery} />;
}
