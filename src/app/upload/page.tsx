import type { Metadata } from "next";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { UploadForm } from "./upload-form";

export const metadata: Metadata = { title: "Upload" };

export default async function UploadPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { user } = await requirePagePermission("package:upload", "/upload");
  const organizations = await (await getServerApi()).organizations.mine({});
  const owners = [user.username, ...organizations.filter((organization) => organization.mayPublish).map((organization) => organization.username)];
  const asked = (await searchParams).owner;
  const initialOwner = owners.find((owner) => typeof asked === "string" && owner.toLowerCase() === asked.toLowerCase()) ?? user.username;
  return (
    <div className="space-y-4">
      <div>
        <h1>Upload files</h1>
        <p className="text-sm text-stone-600">
          conda packages (<code>.conda</code>, <code>.tar.bz2</code>), Python wheels and sdists, Jupyter notebooks (<code>.ipynb</code>) and
          environment files (<code>environment.yml</code>). Names and versions come from the files themselves.
        </p>
      </div>
      <UploadForm owners={owners} initialOwner={initialOwner} />
    </div>
  );
}
