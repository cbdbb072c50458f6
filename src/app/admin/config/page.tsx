import type { Metadata } from "next";
import type { ReactNode } from "react";
import { DateTime } from "@/components/date-time";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Config" };

const databaseLabels = { embedded: "Embedded PostgreSQL (started by Granary)", external: "External PostgreSQL (DATABASE_URL)" } as const;
const jobsLabels = { embedded: "Embedded (pg-boss in PostgreSQL)", inngest: "Inngest" } as const;
const mailLabels = { off: "Off: mail stays in the outbox", resend: "Resend", smtp: "SMTP" } as const;
const storageLabels = { filesystem: "Files on disk" } as const;

/** "3 days, 4 hours, 5 minutes": uptime as people read it. */
function describeDuration(totalSeconds: number): string {
  const units: [string, number][] = [
    ["day", 86_400],
    ["hour", 3_600],
    ["minute", 60],
  ];
  const parts: string[] = [];
  let rest = totalSeconds;
  for (const [name, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${name}${count === 1 ? "" : "s"}`);
  }
  return parts.length ? parts.join(", ") : `${totalSeconds} second${totalSeconds === 1 ? "" : "s"}`;
}

function Fact({ term, children, testId }: { term: string; children: ReactNode; testId: string }) {
  return (
    <div className="grid gap-1 py-2 sm:grid-cols-[14rem_1fr] sm:gap-4">
      <dt className="text-sm font-medium text-stone-700">{term}</dt>
      <dd className="min-w-0 text-sm break-words" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export default async function AdminConfigPage() {
  await requirePagePermission("admin:settings:update", "/admin/config");
  const info = await (await getServerApi()).siteAdmin.platformInfo();
  return (
    <div className="space-y-6">
      <div>
        <h1>Config</h1>
        <p className="text-sm text-stone-600">The technical facts of this platform, as this server process sees them. Settings are under General.</p>
      </div>
      <section aria-labelledby="versions-heading" className="card space-y-2">
        <h2 id="versions-heading">Versions</h2>
        <dl className="divide-y divide-stone-100">
          <Fact term="Granary" testId="config-version">
            {info.version}
          </Fact>
          <Fact term="Commit" testId="config-commit">
            <code className="break-all">{info.commit}</code>
          </Fact>
          <Fact term="Node.js" testId="config-node">
            {info.nodeVersion}
          </Fact>
          <Fact term="PostgreSQL" testId="config-postgres">
            {info.postgresVersion}
          </Fact>
        </dl>
      </section>
      <section aria-labelledby="drivers-heading" className="card space-y-2">
        <h2 id="drivers-heading">Drivers</h2>
        <dl className="divide-y divide-stone-100">
          <Fact term="Database" testId="config-database">
            {databaseLabels[info.database]}
          </Fact>
          <Fact term="Background jobs" testId="config-jobs">
            {jobsLabels[info.jobs]}
          </Fact>
          <Fact term="Mail" testId="config-mail">
            {mailLabels[info.mail]}
          </Fact>
          <Fact term="Storage" testId="config-storage">
            {storageLabels[info.storage]}
          </Fact>
        </dl>
      </section>
      <section aria-labelledby="folders-heading" className="card space-y-2">
        <h2 id="folders-heading">Data folders</h2>
        <dl className="divide-y divide-stone-100">
          <Fact term="Embedded PostgreSQL data" testId="config-database-folder">
            {info.embeddedDatabaseFolder ? <code className="break-all">{info.embeddedDatabaseFolder}</code> : "None: the database is external."}
          </Fact>
          <Fact term="Files" testId="config-files-folder">
            <code className="break-all">{info.filesFolder}</code>
          </Fact>
        </dl>
      </section>
      <section aria-labelledby="process-heading" className="card space-y-2">
        <h2 id="process-heading">This process</h2>
        <dl className="divide-y divide-stone-100">
          <Fact term="Uptime" testId="config-uptime">
            {describeDuration(info.uptimeSeconds)} (since <DateTime value={info.startedAt} />)
          </Fact>
        </dl>
      </section>
    </div>
  );
}
