import type { Metadata } from "next";
import { packageSettingsContext } from "../package-context";
import { TransferForm } from "./transfer-form";

type Props = { params: Promise<{ owner: string; package: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { owner, package: name } = await params;
  return { title: `Admin of ${decodeURIComponent(owner)}/${decodeURIComponent(name)}` };
}

export default async function PackageAdminPage({ params }: Props) {
  const { api, pkg } = await packageSettingsContext(params, "admin");
  const targets = pkg.access.can.transfer ? (await api.packages.transferTargets()).filter((target) => target.toLowerCase() !== pkg.owner.toLowerCase()) : [];
  return (
    <div className="space-y-4">
      <h1>Admin</h1>
      <section aria-labelledby="transfer-heading" className="card space-y-3">
        <h2 id="transfer-heading">Transfer this package to a new owner</h2>
        <p className="max-w-3xl text-sm text-stone-700">
          {pkg.name} moves with its files, labels, stars and download counts. Its channels and install commands change to the new owner&apos;s;
          the old page leads to the new one. You can transfer to yourself and to the organizations you administer; the new owner&apos;s plan must
          have room for it.
        </p>
        {targets.length === 0 ? (
          <p className="text-sm text-stone-600" data-testid="no-transfer-targets">
            You administer no other owner to transfer it to. Create an organization under Settings → Organizations first.
          </p>
        ) : (
          <TransferForm owner={pkg.owner} name={pkg.name} targets={targets} />
        )}
      </section>
    </div>
  );
}
