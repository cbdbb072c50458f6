/**
 * What each app server and worker holds of the applications: the active ones, each with its current install's
 * environment and tasks, read once and kept until the platform or the workers restart (Admin → Actions). An update
 * installs a new environment beside the running one and switches the row; the processes go on resolving tasks to
 * the version they loaded until an administrator restarts them, so every server and worker switches at a moment the
 * administrator chose, together, and a job's environment never changes under it halfway.
 *
 * Whoever starts a task resolves its environment here (`resolveApplicationTask`), never from the row directly.
 */
import { and, asc, eq, inArray, isNotNull } from "drizzle-orm";
import type { Db } from "../db";
import { applications, applicationTasks } from "../db/schema";
import { onPlatformReload } from "../services/platform-restart";

export interface LoadedTask {
  name: string;
  entryPoint: string;
  description: string | null;
  inputSchema: unknown;
}

export interface LoadedApplication {
  id: string;
  name: string;
  installId: string;
  environmentPath: string;
  version: string | null;
  commit: string | null;
  tasks: LoadedTask[];
}

export interface ApplicationsSnapshot {
  loadedAt: Date;
  /** By lower-cased name. */
  applications: ReadonlyMap<string, LoadedApplication>;
}

export async function loadActiveApplications(db: Db): Promise<ApplicationsSnapshot> {
  const rows = await db
    .select()
    .from(applications)
    .where(and(eq(applications.active, true), isNotNull(applications.currentInstallId), isNotNull(applications.environmentPath)))
    .orderBy(asc(applications.name));
  const installIds = rows.map((row) => row.currentInstallId!);
  const tasks = installIds.length
    ? await db.select().from(applicationTasks).where(inArray(applicationTasks.installId, installIds)).orderBy(asc(applicationTasks.name))
    : [];
  const loaded = new Map<string, LoadedApplication>();
  for (const row of rows) {
    loaded.set(row.name.toLowerCase(), {
      id: row.id,
      name: row.name,
      installId: row.currentInstallId!,
      environmentPath: row.environmentPath!,
      version: row.installedVersion,
      commit: row.installedCommit,
      tasks: tasks
        .filter((task) => task.installId === row.currentInstallId)
        .map((task) => ({ name: task.name, entryPoint: task.entryPoint, description: task.description, inputSchema: task.inputSchema })),
    });
  }
  return { loadedAt: new Date(), applications: loaded };
}

/** The process's copy: loaded on first use, replaced whole on reload. */
class ActiveApplicationsHolder {
  private snapshot: Promise<ApplicationsSnapshot> | undefined;
  private db: Db | undefined;

  current(db: Db): Promise<ApplicationsSnapshot> {
    this.db ??= db;
    this.snapshot ??= loadActiveApplications(db).catch((error: unknown) => {
      this.snapshot = undefined;
      throw error;
    });
    return this.snapshot;
  }

  /** Whether this process has read them at all. */
  get loaded(): boolean {
    return this.snapshot !== undefined;
  }

  /** Reads the applications afresh; requests meanwhile keep the copy they had until the new one is complete. */
  async reload(db: Db | undefined = this.db): Promise<ApplicationsSnapshot | null> {
    if (!db) return null;
    this.db = db;
    const fresh = await loadActiveApplications(db);
    this.snapshot = Promise.resolve(fresh);
    return fresh;
  }
}

/** Shared by every copy of this module in the process (the launcher's and Next's server bundle). */
const holderKey = Symbol.for("granary.activeApplications");

export function activeApplications(): ActiveApplicationsHolder {
  const holder = globalThis as { [holderKey]?: ActiveApplicationsHolder };
  if (!holder[holderKey]) {
    const created = new ActiveApplicationsHolder();
    holder[holderKey] = created;
    // Restart the platform: every app server reloads them. A process that never used them has nothing to reload.
    onPlatformReload(async (db) => {
      if (created.loaded) await created.reload(db);
    });
  }
  return holder[holderKey];
}

/** The environment and task to run for a task of an application, as this process loaded them; null when there is none. */
export async function resolveApplicationTask(db: Db, applicationName: string, taskName: string) {
  const application = (await activeApplications().current(db)).applications.get(applicationName.toLowerCase());
  const task = application?.tasks.find((candidate) => candidate.name === taskName);
  if (!application || !task) return null;
  return { application, task };
}
