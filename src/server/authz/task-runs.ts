/**
 * Who sees a task run (Tools → Applications): the user who asked for it, and whoever may see every user's runs (site
 * administrators). Anyone else is told the run does not exist.
 */
import { eq, type SQL } from "drizzle-orm";
import { taskRuns } from "../db/schema";
import type { Actor } from "./actor";
import { can } from "./can";

export function canSeeEveryTaskRun(actor: Actor): boolean {
  return can(actor, "admin:task-runs:read");
}

export function canSeeTaskRun(actor: Actor, run: { userId: string }): boolean {
  if (actor.kind !== "user" || !can(actor, "task:read")) return false;
  return run.userId === actor.user.id || canSeeEveryTaskRun(actor);
}

/** Only the run's own user stops or reruns it: an administrator sees runs to help, not to act as their user. */
export function canControlTaskRun(actor: Actor, run: { userId: string }): boolean {
  return actor.kind === "user" && can(actor, "task:run") && run.userId === actor.user.id;
}

/** The runs a listing may show the actor: its own, or everyone's when it asks for them and may see them. */
export function visibleTaskRuns(actor: Actor, everyone: boolean): SQL | undefined {
  if (everyone && canSeeEveryTaskRun(actor)) return undefined;
  return eq(taskRuns.userId, actor.kind === "user" ? actor.user.id : "00000000-0000-0000-0000-000000000000");
}
