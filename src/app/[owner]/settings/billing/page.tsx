import type { Metadata } from "next";
import { BillingOverview } from "@/components/billing-overview";
import { organizationSettingsContext } from "../organization-context";

type Props = { params: Promise<{ owner: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Billing of ${decodeURIComponent((await params).owner)}` };
}

export default async function OrganizationBillingPage({ params }: Props) {
  const { api, organization, standing } = await organizationSettingsContext((await params).owner, "/billing");
  const billing = await api.billing.get({ owner: organization.username });
  return (
    <div className="space-y-4">
      <div>
        <h1>Billing</h1>
        <p className="text-sm text-stone-600">The plan of {organization.username}: how many private packages and how much storage it may keep.</p>
      </div>
      <BillingOverview billing={billing} mayChange={standing === "owner"} whoChanges={`Only the owners of ${organization.username} change its plan.`} />
    </div>
  );
}
