import type { Metadata } from "next";
import { requirePagePermission } from "@/server/auth/guards";
import { CreateOrganizationForm } from "./create-organization-form";

export const metadata: Metadata = { title: "Create a new organization" };

export default async function NewOrganizationPage() {
  const { user } = await requirePagePermission("organization:create", "/settings/organizations/new");
  return (
    <div className="max-w-xl space-y-4">
      <div>
        <h1>Create a new organization</h1>
        <p className="text-sm text-stone-600">
          You become its first owner: you administer it and every package it publishes, and you can make others owners too.
        </p>
      </div>
      <section aria-labelledby="new-organization-heading" className="card">
        <h2 id="new-organization-heading" className="sr-only">
          The organization
        </h2>
        <CreateOrganizationForm defaultEmail={user.email} />
      </section>
    </div>
  );
}
