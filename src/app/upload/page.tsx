import type { Metadata } from "next";
import { requirePagePermission } from "@/server/auth/guards";
import { UploadForm } from "./upload-form";

export const metadata: Metadata = { title: "Upload" };

export default async function UploadPage() {
  const { user } = await requirePagePermission("package:upload", "/upload");
  return (
    <div className="space-y-4">
      <div>
        <h1>Upload files</h1>
        <p className="text-sm text-stone-600">
          conda packages (<code>.conda</code>, <code>.tar.bz2</code>), Python wheels and sdists, Jupyter notebooks (<code>.ipynb</code>) and
          environment files (<code>environment.yml</code>). Names and versions come from the files themselves.
        </p>
      </div>
      <UploadForm owner={user.username} />
    </div>
  );
}
