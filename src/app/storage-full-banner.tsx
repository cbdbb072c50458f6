import Link from "next/link";
import { currentStorageAlarm } from "@/server/storage";

const where = { files: "The files folder", database: "The database's disk" } as const;

/**
 * For administrators (above the admin pages and on their dashboard) while uploads are refused for want of space:
 * it goes away by itself once an upload succeeds, or once space has been freed (storage/storage-full.ts).
 */
export async function StorageFullBanner() {
  const alarm = await currentStorageAlarm();
  if (!alarm) return null;
  return (
    <div role="region" aria-label="Storage is full" data-testid="storage-full-banner" data-storage={alarm.storage} className="mb-4 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
      <strong>Storage is full.</strong> {where[alarm.storage]} ran out of space at {alarm.since.toISOString().replace("T", " ").slice(0, 16)} UTC: uploads are
      refused with 507 Insufficient Storage until space is freed; downloads and pages go on.{" "}
      <Link href="/admin/exceptions" className="font-semibold underline">
        Exceptions
      </Link>
    </div>
  );
}
