import type { Metadata } from "next";
import PackagePage, { generateMetadata as packageMetadata } from "../../../../[owner]/[package]/page";

// A package's page without a query, as a visitor without a session sees it (see ../../layout.tsx).
export const dynamic = "force-static";
export const revalidate = 60;

export function generateStaticParams(): { package: string }[] {
  return [];
}

type Props = { params: Promise<{ owner: string; package: string }> };
/** Only addresses without a query come here (visitor-page-routes.ts); a static page has no query to read anyway. */
const noQuery = Promise.resolve({});

export function generateMetadata({ params }: Props): Promise<Metadata> {
  return packageMetadata({ params, searchParams: noQuery });
}

export default function VisitorPackagePage({ params }: Props) {
  return <PackagePage params={params} searchParams={noQuery} />;
}
