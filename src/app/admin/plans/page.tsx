import type { Metadata } from "next";
import { getServerApi } from "@/trpc/server";
import { AcademicDomainsForm, AssignPlanForm, PlanForm } from "./plan-forms";

export const metadata: Metadata = { title: "Plans" };

export default async function AdminPlansPage() {
  const api = await getServerApi();
  const [plans, domains] = await Promise.all([api.billing.listPlans(), api.billing.academicDomains()]);
  return (
    <div className="space-y-6">
      <div>
        <h1>Plans</h1>
        <p className="max-w-3xl text-sm text-stone-600">
          A plan limits the private packages and the storage of the accounts and organizations that have it. Granary takes no payments: owners
          switch themselves to self-service plans; you give any plan to anyone below. An owner never gets a plan its usage already passes.
        </p>
      </div>
      <section aria-labelledby="assign-heading" className="card space-y-3">
        <h2 id="assign-heading">Assign a plan</h2>
        <AssignPlanForm plans={plans.map((plan) => ({ slug: plan.slug, name: plan.name, audience: plan.audience }))} />
      </section>
      <section aria-labelledby="plans-heading" className="space-y-3">
        <h2 id="plans-heading">Edit the plans</h2>
        <div className="grid gap-4 lg:grid-cols-2">
          {plans.map((plan) => (
            <PlanForm key={plan.slug} plan={plan} />
          ))}
        </div>
      </section>
      <section aria-labelledby="academic-heading" className="card space-y-3">
        <h2 id="academic-heading">Academic domains</h2>
        <p className="text-sm text-stone-600">
          An account on its default plan whose confirmed address is at one of these domains, or below one (edu covers every .edu address), gets
          the Academic plan.
        </p>
        <AcademicDomainsForm domains={domains} />
      </section>
    </div>
  );
}
