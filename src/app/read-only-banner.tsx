import { getDb } from "@/server/db";
import { currentSiteMode } from "@/server/services/site-mode";

/** On every page while an administrator has the site in read-only mode, so nobody is surprised by a refusal. */
export async function ReadOnlyBanner() {
  const mode = await currentSiteMode(getDb());
  if (!mode.readOnly) return null;
  return (
    <div role="region" aria-label="Read-only mode" data-testid="read-only-banner" className="border-b border-amber-300 bg-amber-50 px-4 py-2 text-center text-sm text-amber-900">
      <strong>Granary is read-only for maintenance.</strong> Browsing and downloads work; uploads and changes are refused until administrators turn this off.
    </div>
  );
}
