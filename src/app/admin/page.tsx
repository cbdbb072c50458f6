import type { Metadata } from "next";
import { getServerApi } from "@/trpc/server";
import { SiteSettingsForm } from "./site-settings-form";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminGeneralPage() {
  const settings = await (await getServerApi()).site.settings();
  return (
    <div className="space-y-6">
      <h1>Site administration</h1>
      <section aria-labelledby="registration-heading" className="card space-y-4">
        <h2 id="registration-heading">Registration</h2>
        <SiteSettingsForm settings={settings} />
      </section>
    </div>
  );
}
