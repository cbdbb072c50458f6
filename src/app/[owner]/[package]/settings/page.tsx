import { redirect } from "next/navigation";

export default async function PackageSettingsIndex({ params }: { params: Promise<{ owner: string; package: string }> }) {
  const { owner, package: name } = await params;
  redirect(`/${owner}/${name}/settings/collaborators`);
}
