import Link from "next/link";
import { getServerApi } from "@/trpc/server";

const toneStyles = { warning: "border-amber-300 bg-amber-50 text-amber-900", danger: "border-red-300 bg-red-50 text-red-900" } as const;

/**
 * The license's warnings for administrators, above every admin page: from 30 days before its end, after it, over
 * the seats, or not verifying. Nothing without a license (a fresh install is not nagged) or while all is well.
 */
export async function LicenseBanners() {
  const banners = await (await getServerApi()).license.banners();
  if (banners.length === 0) return null;
  return (
    <div className="mb-4 space-y-2" data-testid="license-banners">
      {banners.map((banner) => (
        <p key={banner.message} className={`rounded-md border px-3 py-2 text-sm ${toneStyles[banner.tone]}`} data-testid="license-banner" data-tone={banner.tone}>
          {banner.message}{" "}
          <Link href="/admin/license" className="font-semibold underline">
            License
          </Link>
        </p>
      ))}
    </div>
  );
}
