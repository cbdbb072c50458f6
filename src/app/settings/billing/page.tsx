import type { Metadata } from "next";
import { BillingOverview } from "@/components/billing-overview";
import { requireSignedIn } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Billing" };

export default async function BillingPage() {
  const { user } = await requireSignedIn("/settings/billing");
  const billing = await (await getServerApi()).billing.get({ owner: user.username });
  return (
    <div className="space-y-4">
      <div>
        <h1>Billing</h1>
        <p className="text-sm text-stone-600">The plan of your personal account. Organizations have their own, under their settings.</p>
      </div>
      <BillingOverview billing={billing} mayChange whoChanges="" />
    </div>
  );
}
