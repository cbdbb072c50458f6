import type { Metadata } from "next";
import { routeParam } from "@/components/route-param";
import Link from "next/link";
import { CopyCommand } from "@/components/copy-command";
import { DateTime } from "@/components/date-time";
import { PackageDescription } from "@/components/package-description";
import { PrivateBadge, TypeBadges } from "@/components/package-list";
import { TableContainer } from "@/components/table-container";
import { publicUrl } from "@/env";
import { TRPCError } from "@trpc/server";
import { permanentRedirect } from "next/navigation";
import { FormMessage } from "@/components/form";
import { getCurrentActor } from "@/server/auth/actor";
import { formatBytes } from "@/shared/format-bytes";
import { condaInstallCommands, environmentCommand, notebookCommand, pipInstallCommand, tokenPlaceholder } from "@/shared/install-commands";
import { getServerApi, notFoundWhenMissing, nullWhenMissing } from "@/trpc/server";
import { DeletePackageForm, FileActions, PrivacyToggle, StarButton } from "./package-actions";

type Props = { params: Promise<{ owner: string; package: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

/** The package, or where it went: a transferred package's old address answers a permanent redirect to the new one. */
async function loadPackage(params: Props["params"]) {
  const { owner, package: name } = await params;
  const ref = { owner: routeParam(owner), name: routeParam(name) };
  const api = await getServerApi();
  return api.packages.get(ref).catch(async (error: unknown) => {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") {
      const moved = await api.packages.redirect(ref).catch(nullWhenMissing);
      if (moved) permanentRedirect(`/${encodeURIComponent(moved.owner)}/${encodeURIComponent(moved.name)}`);
    }
    return notFoundWhenMissing(error);
  });
}

/** The owner a transfer just moved the package from, when the old address really leads here (the link says so after a transfer). */
async function confirmedPreviousOwner(pkg: { owner: string; name: string }, claimed: string | string[] | undefined): Promise<string | null> {
  if (typeof claimed !== "string" || !claimed) return null;
  const moved = await (await getServerApi()).packages.redirect({ owner: claimed.slice(0, 100), name: pkg.name }).catch(nullWhenMissing);
  return moved && moved.owner === pkg.owner && moved.name === pkg.name ? claimed.slice(0, 100) : null;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { owner, package: name } = await params;
  return { title: `${routeParam(owner)}/${routeParam(name)}` };
}

export default async function PackagePage({ params, searchParams }: Props) {
  const pkg = await loadPackage(params);
  const transferredFrom = await confirmedPreviousOwner(pkg, (await searchParams).transferredFrom);
  const base = publicUrl();
  const fileTypes = [...new Set(pkg.files.map((file) => file.fileType))];
  const condaLabels = [...new Set(pkg.files.filter((file) => file.fileType === "conda").flatMap((file) => file.labels))];
  const target = { base, owner: pkg.owner, name: pkg.name, isPrivate: pkg.isPrivate };
  const environmentFile = pkg.files.find((file) => file.fileType === "environment")?.filename;
  const notebookFile = pkg.files.find((file) => file.fileType === "notebook")?.filename;
  const actor = await getCurrentActor();
  const accessTokensPage = actor.kind === "user" ? `/${actor.user.username}/settings/access` : null;

  return (
    <div className="space-y-6">
      {transferredFrom ? (
        <FormMessage tone="success">
          {pkg.name} now belongs to {pkg.owner}. Its old address, /{transferredFrom}/{pkg.name}, leads here.
        </FormMessage>
      ) : null}
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="space-y-1">
          <p className="text-sm">
            <Link href={`/${pkg.owner}`}>{pkg.owner}</Link> /
          </p>
          <h1 className="flex flex-wrap items-center gap-2">
            <span data-testid="package-name">{pkg.name}</span>
            {pkg.isPrivate ? <PrivateBadge /> : null}
          </h1>
          {pkg.summary ? <p className="text-stone-700">{pkg.summary}</p> : null}
          <TypeBadges types={fileTypes} />
        </div>
        <div className="flex flex-wrap gap-2">
          <StarButton owner={pkg.owner} name={pkg.name} starred={pkg.starredByMe} stars={pkg.stars} />
          {pkg.access.can.manageCollaborators ? (
            <Link href={`/${encodeURIComponent(pkg.owner)}/${encodeURIComponent(pkg.name)}/settings/collaborators`} className="button-secondary">
              Settings
            </Link>
          ) : null}
        </div>
      </div>

      <section aria-labelledby="install-heading" className="card space-y-3">
        <h2 id="install-heading">Install</h2>
        {pkg.isPrivate ? (
          <p className="text-sm text-stone-700" data-testid="private-install-note">
            This package is private: package clients reach it with an access token. Create one on{" "}
            {accessTokensPage ? <Link href={accessTokensPage}>your Access tokens page</Link> : "your Access tokens page"}, with only the
            scopes it needs, and put it in place of <code>{tokenPlaceholder}</code>. Never put your password in an index or channel URL: URLs
            end up in shell history, logs and lock files, and a token can be revoked on its own.
          </p>
        ) : null}
        {fileTypes.includes("conda")
          ? condaInstallCommands(target, condaLabels).map((entry) => <CopyCommand key={entry.label} label={entry.label} command={entry.command} />)
          : null}
        {fileTypes.includes("wheel") || fileTypes.includes("sdist") ? <CopyCommand {...pipInstallCommand(target)} /> : null}
        {fileTypes.includes("environment") && environmentFile ? <CopyCommand {...environmentCommand(target, environmentFile)} /> : null}
        {fileTypes.includes("notebook") && notebookFile ? <CopyCommand {...notebookCommand(target, notebookFile)} /> : null}
      </section>

      <section aria-labelledby="files-heading" className="space-y-3">
        <h2 id="files-heading">Files</h2>
        <TableContainer label="Files of this package">
          <table className="data-table">
            <caption className="sr-only">Files of {pkg.name}</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Version</th>
                <th scope="col">Platform</th>
                <th scope="col">Labels</th>
                <th scope="col">Size</th>
                <th scope="col">Uploaded</th>
                <th scope="col">Downloads</th>
                {pkg.access.can.label ? <th scope="col">Manage</th> : null}
              </tr>
            </thead>
            <tbody>
              {pkg.files.map((file) => (
                <tr key={file.id} data-testid="file-row" data-filename={file.filename}>
                  <td>
                    <a href={`/${pkg.owner}/files/${file.subdir}/${file.filename}`} className="break-all">
                      {file.filename}
                    </a>
                    <span className="mt-1 block font-mono text-[11px] break-all text-stone-500" title="sha256">
                      sha256 {file.sha256}
                    </span>
                  </td>
                  <td>{file.version}</td>
                  <td>{file.subdir}</td>
                  <td data-testid="file-labels">{file.labels.join(", ")}</td>
                  <td className="whitespace-nowrap">{formatBytes(file.size)}</td>
                  <td className="whitespace-nowrap">
                    <DateTime value={file.createdAt} />
                  </td>
                  <td>{file.downloadCount}</td>
                  {pkg.access.can.label ? (
                    <td>
                      <FileActions fileId={file.id} filename={file.filename} labels={file.labels} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
      </section>

      {pkg.description ? (
        <section aria-labelledby="description-heading" className="card space-y-3">
          <h2 id="description-heading">Description</h2>
          <PackageDescription description={pkg.description} contentType={pkg.descriptionContentType} />
        </section>
      ) : null}

      {pkg.access.can.changePrivacy ? (
        <section aria-labelledby="manage-heading" className="card space-y-4">
          <h2 id="manage-heading">Manage</h2>
          <PrivacyToggle owner={pkg.owner} name={pkg.name} isPrivate={pkg.isPrivate} ownerKind={pkg.ownerKind} />
          {pkg.access.can.delete ? <DeletePackageForm owner={pkg.owner} name={pkg.name} /> : null}
        </section>
      ) : null}
    </div>
  );
}
