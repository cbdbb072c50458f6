import SearchPage from "../../../../search/page";
import { visitorSearchFromSegment } from "@/server/visitor-page-routes";

// A search as a visitor without a session sees it, its query a segment of the address (see ../../layout.tsx).
export { metadata } from "../../../../search/page";
export const dynamic = "force-static";
export const revalidate = 60;

export function generateStaticParams(): { search: string }[] {
  return [];
}

export default async function VisitorSearchPage({ params }: { params: Promise<{ search: string }> }) {
  return <SearchPage searchParams={Promise.resolve(visitorSearchFromSegment((await params).search))} />;
}
