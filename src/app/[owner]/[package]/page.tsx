import type { Metadata } from "next";
import { cache } from "react";
import { routeParam } from "@/components/route-param";
import Link from "next/link";
import { CopyCommand } from "@/components/copy-command";
import { DateTime } from "@/components/date-time";
import { DownloadsChart } from "@/components/downloads-chart";
import { PackageDescription } from "@/components/package-description";
import { PrivateBadge, TypeBadges } from "@/components/package-list";
import { siteAddress } from "@/server/site-url";
// a11y-light: every token colour reaches 4.5:1 on white (WCAG AA), which the usual themes do not.
import "highlight.js/styles/a11y-light.css";
import { TRPCError } from "@trpc/server";
import { permanentRedirect } from "next/navigation";
import { FormMessage } from "@/components/form";
import { getCurrentActor } from "@/server/auth/actor";
import { formatBytes } from "@/shared/format-bytes";
import { condaClientCommands, environmentCommand, notebookCommand, pythonClientCommands, tokenPlaceholder } from "@/shared/install-commands";
import { getServerApi, notFoundWhenMissing, nullWhenMissing } from "@/trpc/server";
import { InstallPicker } from "./install-picker";
import { NotebookPreview } from "./notebook-preview";
import { DeletePackageForm, FileActions, PrivacyToggle, StarButton, YankReleaseControl } from "./package-actions";
import { CopyHash } from "./copy-hash";

type Props = { params: Promise<{ owner: string; package: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * The package, or where it went: a transferred package's old address answers a permanent redirect to the new one.
 * Cached for the request, so the page's title and the page itself read it once (and an unknown package's title is
 * the 404 page's).
 */
const loadPackageNamed = cache(async (owner: string, name: string) => {
  const ref = { owner, name };
  const api = await getServerApi();
  return api.packages.get(ref).catch(async (error: unknown) => {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") {
      const moved = await api.packages.redirect(ref).catch(nullWhenMissing);
      if (moved) permanentRedirect(`/${encodeURIComponent(moved.owner)}/${encodeURIComponent(moved.name)}`);
    }
    return notFoundWhenMissing(error);
  });
});

async function loadPackage(params: Props["params"]) {
  const { owner, package: name } = await params;
  return loadPackageNamed(routeParam(owner), routeParam(name));
}

/** The owner a transfer just moved the package from, when the old address really leads here (the link says so after a transfer). */
async function confirmedPreviousOwner(pkg: { owner: string; name: string }, claimed: string | string[] | undefined): Promise<string | null> {
  if (typeof claimed !== "string" || !claimed) return null;
  const moved = await (await getServerApi()).packages.redirect({ owner: claimed.slice(0, 100), name: pkg.name }).catch(nullWhenMissing);
  return moved && moved.owner === pkg.owner && moved.name === pkg.name ? claimed.slice(0, 100) : null;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const pkg = await loadPackage(params);
  return { title: `${pkg.owner}/${pkg.name}`, description: pkg.summary ?? undefined };
}

type LoadedPackage = Awaited<ReturnType<typeof loadPackage>>;
type PackageFile = LoadedPackage["files"][number];

const numberFormat = new Intl.NumberFormat("en-GB");

/** The files grouped by version, newest version first (the order of the first upload of each, as releases are). */
function filesByVersion(pkg: LoadedPackage): { version: string; yanked: { reason: string } | null; files: PackageFile[] }[] {
  return pkg.details.releases.map((release) => ({
    version: release.version,
    yanked: release.yanked,
    files: pkg.files.filter((file) => file.version === release.version),
  }));
}

/** PEP 592's mark, with the reason when one was given: the release's files stay, installers skip them unless pinned. */
function YankedMark({ yanked }: { yanked: { reason: string } }) {
  return (
    <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs font-medium text-amber-900" data-testid="yanked-mark">
      yanked{yanked.reason ? `: ${yanked.reason}` : ""}
    </span>
  );
}

function Fact({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-semibold tracking-wide text-stone-600 uppercase">{term}</dt>
      <dd className="mt-0.5 text-sm break-words">{children}</dd>
    </div>
  );
}

function Sidebar({ pkg }: { pkg: LoadedPackage }) {
  const { details } = pkg;
  return (
    <aside aria-label="About this package" className="space-y-5 lg:order-last" data-testid="package-sidebar">
      <dl className="card space-y-3">
        {details.projectUrls.length > 0 ? (
          <Fact term="Project links">
            <ul className="space-y-1">
              {details.projectUrls.map((entry) => (
                <li key={entry.url}>
                  <a href={entry.url} rel="nofollow noopener noreferrer" className="break-all">
                    {entry.label}
                  </a>
                </li>
              ))}
            </ul>
          </Fact>
        ) : null}
        {details.author ? <Fact term="Author">{details.author}</Fact> : null}
        <Fact term="License">{pkg.license ?? <span className="text-stone-600">Not stated</span>}</Fact>
        {details.requiresPython ? (
          <Fact term="Requires Python">
            <code>{details.requiresPython}</code>
          </Fact>
        ) : null}
        {details.platforms.length > 0 ? (
          <Fact term="Platforms">
            <span className="flex flex-wrap gap-1">
              {details.platforms.map((platform) => (
                <span key={platform} className="rounded bg-stone-100 px-1.5 py-0.5 font-mono text-xs text-stone-800">
                  {platform}
                </span>
              ))}
            </span>
          </Fact>
        ) : null}
      </dl>
      <section aria-labelledby="dependencies-heading" className="card space-y-2">
        <h2 id="dependencies-heading" className="text-base">
          Dependencies{pkg.latestVersion ? <span className="font-normal text-stone-600"> of {pkg.latestVersion}</span> : null}
        </h2>
        {details.dependencies.length === 0 ? (
          <p className="text-sm text-stone-600">None stated.</p>
        ) : (
          <ul className="space-y-1 text-sm" data-testid="dependencies">
            {details.dependencies.map((dependency) => (
              <li key={`${dependency.kind} ${dependency.spec}`} className="font-mono text-xs break-words">
                {dependency.href ? <Link href={dependency.href}>{dependency.name}</Link> : <span>{dependency.name}</span>}
                <span className="text-stone-600">{dependency.spec.slice(dependency.spec.indexOf(dependency.name) + dependency.name.length)}</span>
                {dependency.extra ? <span className="ml-1 rounded bg-stone-100 px-1 font-sans text-[11px] text-stone-700">extra {dependency.extra}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </aside>
  );
}

function FileCard({ pkg, file }: { pkg: LoadedPackage; file: PackageFile }) {
  return (
    <li data-testid="file-row" data-filename={file.filename} className="space-y-2 px-4 py-3">
      <div className="flex flex-col gap-1 sm:flex-row sm:items-baseline sm:justify-between">
        <a href={`/${pkg.owner}/files/${file.subdir}/${file.filename}`} className="min-w-0 font-medium break-all">
          {file.filename}
        </a>
        <CopyHash filename={file.filename} sha256={file.sha256} />
      </div>
      <dl className="flex flex-wrap gap-x-5 gap-y-1 text-xs text-stone-700">
        <div>
          <dt className="inline text-stone-600">Version </dt>
          <dd className="inline">{file.version}</dd>
        </div>
        <div>
          <dt className="inline text-stone-600">Platform </dt>
          <dd className="inline font-mono" data-testid="file-platform">
            {file.platform}
          </dd>
        </div>
        <div>
          <dt className="inline text-stone-600">Labels </dt>
          <dd className="inline" data-testid="file-labels">
            {file.labels.join(", ")}
          </dd>
        </div>
        <div>
          <dt className="inline text-stone-600">Size </dt>
          <dd className="inline">{formatBytes(file.size)}</dd>
        </div>
        <div>
          <dt className="inline text-stone-600">Uploaded </dt>
          <dd className="inline">
            <DateTime value={file.createdAt} />
          </dd>
        </div>
        <div>
          <dt className="inline text-stone-600">Downloads </dt>
          <dd className="inline">{numberFormat.format(file.downloadCount)}</dd>
        </div>
      </dl>
      {pkg.access.can.label ? <FileActions fileId={file.id} filename={file.filename} labels={file.labels} /> : null}
    </li>
  );
}

export default async function PackagePage({ params, searchParams }: Props) {
  const pkg = await loadPackage(params);
  const api = await getServerApi();
  const [transferredFrom, downloads, notebook, base, actor] = await Promise.all([
    confirmedPreviousOwner(pkg, (await searchParams).transferredFrom),
    api.packages.downloads({ owner: pkg.owner, name: pkg.name }),
    pkg.files.some((file) => file.fileType === "notebook") ? api.packages.notebookPreview({ owner: pkg.owner, name: pkg.name }) : Promise.resolve(null),
    siteAddress(),
    getCurrentActor(),
  ]);
  const fileTypes = [...new Set(pkg.files.map((file) => file.fileType))];
  const condaLabels = [...new Set(pkg.files.filter((file) => file.fileType === "conda").flatMap((file) => file.labels))].sort((a, b) =>
    a === "main" ? -1 : b === "main" ? 1 : a.localeCompare(b),
  );
  const target = { base, owner: pkg.owner, name: pkg.name, isPrivate: pkg.isPrivate };
  const environmentFile = pkg.files.find((file) => file.fileType === "environment")?.filename;
  const notebookFile = pkg.files.find((file) => file.fileType === "notebook")?.filename;
  const accessTokensPage = actor.kind === "user" ? `/${actor.user.username}/settings/access` : null;
  const hasConda = fileTypes.includes("conda");
  const hasPython = fileTypes.includes("wheel") || fileTypes.includes("sdist");
  const lastUpdated = pkg.files[0]?.createdAt ?? pkg.updatedAt;
  const environmentDependencies = fileTypes.includes("environment") && !hasConda && !hasPython;

  return (
    <div className="space-y-6">
      {transferredFrom ? (
        <FormMessage tone="success">
          {pkg.name} now belongs to {pkg.owner}. Its old address, /{transferredFrom}/{pkg.name}, leads here.
        </FormMessage>
      ) : null}
      <header className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0 space-y-2">
          <p className="text-sm">
            <Link href={`/${pkg.owner}`}>{pkg.owner}</Link> /
          </p>
          <h1 className="flex flex-wrap items-baseline gap-x-3 gap-y-1 break-all">
            <span data-testid="package-name">{pkg.name}</span>
            {pkg.latestVersion ? (
              <span className="text-lg font-normal text-stone-600" data-testid="latest-version">
                {pkg.latestVersion}
              </span>
            ) : null}
            {pkg.isPrivate ? <PrivateBadge /> : null}
          </h1>
          {pkg.summary ? <p className="text-stone-700">{pkg.summary}</p> : null}
          <div className="flex flex-wrap items-center gap-2">
            <TypeBadges types={fileTypes} />
            {pkg.details.platforms
              .filter((platform) => !["notebook", "environment"].includes(platform))
              .map((platform) => (
                <span key={platform} className="rounded bg-brand-50 px-1.5 py-0.5 font-mono text-xs text-brand-800">
                  {platform}
                </span>
              ))}
          </div>
          <dl className="flex flex-wrap gap-x-5 gap-y-1 text-sm text-stone-700" data-testid="package-facts">
            <div>
              <dt className="inline text-stone-600">License </dt>
              <dd className="inline">{pkg.license ?? "not stated"}</dd>
            </div>
            <div>
              <dt className="inline text-stone-600">Updated </dt>
              <dd className="inline">
                <DateTime value={lastUpdated} />
              </dd>
            </div>
            <div>
              <dt className="inline text-stone-600">Downloads </dt>
              <dd className="inline" data-testid="total-downloads">
                {numberFormat.format(pkg.details.totalDownloads)}
              </dd>
            </div>
          </dl>
        </div>
        <div className="flex flex-wrap gap-2">
          <StarButton owner={pkg.owner} name={pkg.name} starred={pkg.starredByMe} stars={pkg.stars} />
          {pkg.access.can.manageCollaborators ? (
            <Link href={`/${encodeURIComponent(pkg.owner)}/${encodeURIComponent(pkg.name)}/settings/collaborators`} className="button-secondary">
              Settings
            </Link>
          ) : null}
        </div>
      </header>

      <nav aria-label="Sections of this page" className="flex flex-wrap gap-x-4 gap-y-1 border-b border-stone-200 pb-2 text-sm">
        <a href="#description-heading">Description</a>
        <a href="#install-heading">Install</a>
        <a href="#files-heading">Files</a>
        <a href="#releases-heading">Release history</a>
        <a href="#downloads-heading">Downloads</a>
      </nav>

      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]">
        <Sidebar pkg={pkg} />
        <div className="min-w-0 space-y-6">
          <section aria-labelledby="description-heading" className="card space-y-3">
            <h2 id="description-heading">Description</h2>
            {pkg.description ? <PackageDescription description={pkg.description} contentType={pkg.descriptionContentType} /> : null}
            {notebook ? <NotebookPreview preview={notebook} /> : null}
            {environmentDependencies ? (
              <div className="space-y-1">
                <h3 className="font-semibold">The environment&apos;s dependencies</h3>
                {pkg.details.dependencies.length === 0 ? (
                  <p className="text-sm text-stone-600">None stated.</p>
                ) : (
                  <ul className="list-disc space-y-0.5 pl-5 font-mono text-xs" data-testid="environment-dependencies">
                    {pkg.details.dependencies.map((dependency) => (
                      <li key={`${dependency.kind} ${dependency.spec}`}>{dependency.spec}</li>
                    ))}
                  </ul>
                )}
              </div>
            ) : null}
            {!pkg.description && !notebook && !environmentDependencies ? <p className="text-sm text-stone-600">This package has no description.</p> : null}
          </section>

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
            {hasConda || hasPython ? (
              <InstallPicker
                conda={hasConda ? (condaLabels.length > 0 ? condaLabels : ["main"]).map((label) => ({ label, commands: condaClientCommands(target, label) })) : []}
                python={hasPython ? pythonClientCommands(target) : []}
              />
            ) : null}
            {fileTypes.includes("environment") && environmentFile ? <CopyCommand {...environmentCommand(target, environmentFile)} /> : null}
            {fileTypes.includes("notebook") && notebookFile ? <CopyCommand {...notebookCommand(target, notebookFile)} /> : null}
          </section>

          <section aria-labelledby="files-heading" className="space-y-3">
            <h2 id="files-heading">Files</h2>
            {filesByVersion(pkg).map((group) => (
              <div key={group.version} className="space-y-1">
                <h3 className="text-sm font-semibold text-stone-700">
                  Version {group.version}
                  {group.yanked ? <YankedMark yanked={group.yanked} /> : null}
                </h3>
                <ul className="divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white" aria-label={`Files of version ${group.version}`}>
                  {group.files.map((file) => (
                    <FileCard key={file.id} pkg={pkg} file={file} />
                  ))}
                </ul>
              </div>
            ))}
          </section>

          <section aria-labelledby="releases-heading" className="card space-y-3">
            <h2 id="releases-heading">Release history</h2>
            <ol className="space-y-2" data-testid="release-history">
              {pkg.details.releases.map((release) => (
                <li key={release.version} className="flex flex-wrap items-baseline justify-between gap-x-4 border-l-2 border-brand-600 pl-3 text-sm">
                  <span className="font-semibold">
                    {release.version}
                    {release.version === pkg.latestVersion ? <span className="ml-2 rounded bg-brand-50 px-1.5 text-xs font-medium text-brand-800">latest</span> : null}
                    {release.yanked ? <YankedMark yanked={release.yanked} /> : null}
                  </span>
                  <span className="text-stone-600">
                    <DateTime value={release.uploadedAt} /> · {release.files} file{release.files === 1 ? "" : "s"}
                    {pkg.access.can.yank ? (
                      <>
                        {" · "}
                        <YankReleaseControl owner={pkg.owner} name={pkg.name} version={release.version} yanked={release.yanked !== null} />
                      </>
                    ) : null}
                  </span>
                </li>
              ))}
            </ol>
          </section>

          <section aria-labelledby="downloads-heading" className="card space-y-3">
            <h2 id="downloads-heading">Downloads</h2>
            <DownloadsChart since={downloads.since} days={downloads.days} rows={downloads.rows} />
          </section>

          {pkg.access.can.changePrivacy ? (
            <section aria-labelledby="manage-heading" className="card space-y-4">
              <h2 id="manage-heading">Manage</h2>
              <PrivacyToggle owner={pkg.owner} name={pkg.name} isPrivate={pkg.isPrivate} ownerKind={pkg.ownerKind} />
              {pkg.access.can.delete ? <DeletePackageForm owner={pkg.owner} name={pkg.name} /> : null}
            </section>
          ) : null}
        </div>
      </div>
    </div>
  );
}
