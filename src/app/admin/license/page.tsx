import type { Metadata } from "next";
import { DateTime } from "@/components/date-time";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { UploadLicenseForm } from "./upload-license-form";

export const metadata: Metadata = { title: "License" };

function remainingSentence(days: number, endDate: string) {
  if (days < 0) {
    return (
      <>
        Your license <strong>ended on {endDate}</strong> ({days === -1 ? "1 day" : `${-days} days`} ago). Granary keeps working; upload a renewed license.
      </>
    );
  }
  if (days === 0) return <>Your license <strong>ends today</strong>.</>;
  return (
    <>
      You have <strong>{days === 1 ? "1 day" : `${days} days`}</strong> remaining on your current license.
    </>
  );
}

/** Seed 000's License page: the current license, its days and seats, and Upload New License. */
export default async function LicensePage() {
  await requirePagePermission("admin:settings:update", "/admin/license");
  const license = await (await getServerApi()).license.get();
  return (
    <div className="space-y-6">
      <h1>License</h1>
      <section aria-labelledby="current-license-heading" className="card space-y-3" data-testid="current-license" data-state={license.state}>
        <h2 id="current-license-heading">Current License</h2>
        {license.state === "none" ? (
          <div className="space-y-2 text-sm text-stone-700">
            <p>No license is installed.</p>
            <p>
              Granary works fully without one: nothing is locked and nobody is nagged. A license records who may run this server, until when and for how many
              active accounts; with one installed, administrators are warned here and by e-mail before it ends and when more accounts are active than it has
              seats.
            </p>
            <p>
              To get one, ask whoever supplies your Granary (your vendor) for a license file and upload it below. If your organization issues its own, see
              “Licenses” in the README: <code>granary license keygen</code> makes a key pair, <code>granary license create</code> signs a license, and the
              server trusts the public key set in <code>GRANARY_LICENSE_PUBLIC_KEY</code>.
            </p>
          </div>
        ) : license.state === "invalid" ? (
          <div className="space-y-2 text-sm">
            <p className="font-medium text-red-800">The installed license does not verify against this server&apos;s license key.</p>
            <p className="text-stone-700">{license.problem}</p>
            <p className="text-stone-700">
              Installed <DateTime value={license.installedAt} />. Granary keeps working; upload a license issued for the key in{" "}
              <code>GRANARY_LICENSE_PUBLIC_KEY</code>.
            </p>
          </div>
        ) : (
          <>
            <p data-testid="license-days" data-days={license.daysRemaining}>
              {remainingSentence(license.daysRemaining, license.fields.endDate)}
            </p>
            <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm" data-testid="license-fields">
              {(
                [
                  ["Product", license.fields.product],
                  ["Vendor", license.fields.vendor],
                  ["Name", license.fields.name],
                  ["Type", license.fields.type],
                  ["Company", license.fields.company],
                  ["E-mail", license.fields.email],
                  ["Issued", license.fields.issued],
                  ["End date", license.fields.endDate],
                ] as const
              ).map(([term, value]) => (
                <div key={term} className="contents">
                  <dt className="font-semibold">{term}</dt>
                  <dd className="break-words">{value}</dd>
                </div>
              ))}
              <div className="contents">
                <dt className="font-semibold">Seats</dt>
                <dd data-testid="license-seats">
                  {license.seatsUsed} of {license.fields.seats} used (active accounts)
                  {license.overSeats ? <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-900">Over the seats</span> : null}
                </dd>
              </div>
            </dl>
            <p className="text-xs text-stone-600">
              Installed <DateTime value={license.installedAt} />.
            </p>
          </>
        )}
      </section>
      <section aria-labelledby="upload-license-heading" className="card space-y-3">
        <h2 id="upload-license-heading">Upload New License</h2>
        <UploadLicenseForm />
      </section>
    </div>
  );
}
