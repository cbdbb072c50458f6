import type { RouterOutputs } from "@/client";
import { formatBytes } from "@/shared/format-bytes";
import { PlanChooser } from "./plan-chooser";
import { UsageMeter } from "./usage-meter";

export type Billing = RouterOutputs["billing"]["get"];

/**
 * Settings → Billing, for a person's account or an organization: the current plan, its usage against the
 * limits, and the plans it could have. Granary takes no payments, so changing is choosing a self-service plan;
 * other plans are given by the site's administrators.
 */
export function BillingOverview({ billing, mayChange, whoChanges }: { billing: Billing; mayChange: boolean; whoChanges: string }) {
  const { plan, usage } = billing;
  return (
    <div className="space-y-6">
      <section aria-labelledby="current-plan-heading" className="card space-y-4" data-testid="current-plan">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="current-plan-heading">
            Current plan: <span data-testid="current-plan-name">{plan.name}</span>
          </h2>
          {plan.priceLabel ? <span className="text-sm text-stone-600">{plan.priceLabel}</span> : null}
        </div>
        {plan.description ? <p className="text-sm text-stone-700">{plan.description}</p> : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <UsageMeter id="usage-private-packages" label="Private packages" used={usage.privatePackages} limit={plan.maxPrivatePackages} />
          <UsageMeter id="usage-storage" label="Storage" used={usage.storageBytes} limit={plan.maxStorageBytes} format={formatBytes} />
        </div>
        <p className="text-xs text-stone-600">Public packages are not limited. Storage counts every file {billing.owner.username} publishes.</p>
      </section>
      <section aria-labelledby="change-plan-heading" className="space-y-3">
        <h2 id="change-plan-heading">Change plan</h2>
        {mayChange ? null : <p className="text-sm text-stone-600">{whoChanges}</p>}
        <PlanChooser owner={billing.owner.username} currentSlug={plan.slug} plans={billing.plans} mayChange={mayChange} />
      </section>
    </div>
  );
}
