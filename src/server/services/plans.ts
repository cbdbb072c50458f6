/**
 * Plans and their limits. Every owner has a plan (its own, or its audience's default), whose limits are a count of
 * private packages and the bytes its files take. Limits are checked inside the transaction of the change that would
 * pass them, with the owner's row locked, so two uploads at once cannot both squeeze past. Granary takes no
 * payments: owners switch themselves to self-service plans; administrators edit plans and assign any of them.
 */
import { and, asc, count, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { academicDomainsSchema, assignPlanSchema, changePlanSchema, updatePlanSchema } from "@/shared/schemas/plans";
import { administersOwner, assertCan, assertOrganizationAction, requireUser, type Actor } from "../authz";
import type { Db } from "../db";
import { packageFiles, packages, plans, siteSettings, users, type OwnerKind } from "../db/schema";
import { AppError } from "../errors";
import { formatBytes } from "../storage";
import { recordAudit } from "./audit";
import { requireVisibleOwner } from "./owners";

export type Plan = typeof plans.$inferSelect;

export interface Usage {
  privatePackages: number;
  storageBytes: number;
}

/** A change refused because it would pass the owner's plan; the message names the limit and the usage. */
export class PlanLimitError extends AppError {
  constructor(message: string) {
    super("FORBIDDEN", message);
    this.name = "PlanLimitError";
  }
}

const audienceOf = (kind: OwnerKind) => kind;

export async function listPlans(db: Db): Promise<Plan[]> {
  return db.select().from(plans).orderBy(asc(plans.sortOrder), asc(plans.name));
}

/** The owner's plan: the one assigned, or the default of its kind. */
export async function planOf(db: Db, owner: { kind: OwnerKind; planId: string | null }): Promise<Plan> {
  const [plan] = await db
    .select()
    .from(plans)
    .where(owner.planId ? eq(plans.id, owner.planId) : and(eq(plans.audience, audienceOf(owner.kind)), eq(plans.isDefault, true)))
    .limit(1);
  if (!plan) throw new Error(`No plan found for a ${owner.kind}: the shipped plans (migration 0005) are missing.`);
  return plan;
}

export async function usageOf(db: Db, ownerId: string): Promise<Usage> {
  const [[privates], [bytes]] = await Promise.all([
    db
      .select({ value: count() })
      .from(packages)
      .where(and(eq(packages.ownerId, ownerId), eq(packages.isPrivate, true))),
    db
      .select({ value: sql<number>`coalesce(sum(${packageFiles.size}), 0)::bigint`.mapWith(Number) })
      .from(packageFiles)
      .where(eq(packageFiles.ownerId, ownerId)),
  ]);
  return { privatePackages: privates?.value ?? 0, storageBytes: bytes?.value ?? 0 };
}

export interface PlannedChange {
  /** Bytes the change adds (a replaced file's bytes already subtracted). */
  addBytes?: number;
  /** Packages the change makes private (a new private package, or a public one made private). */
  addPrivatePackages?: number;
}

/**
 * Inside the transaction of a change: locks the owner's row, so that concurrent changes are checked one after the
 * other, and refuses the change if it would pass the owner's plan. The lock is FOR NO KEY UPDATE, which still
 * queues the owner's changes but lets other transactions insert rows that refer to the owner (an audit event, a
 * file): FOR UPDATE made a change that had already moved the owner's channel revision wait for this lock to write its
 * audit event, while this transaction waited for that revision, and PostgreSQL ended one of them as a deadlock.
 */
export async function assertWithinPlan(tx: Db, ownerId: string, change: PlannedChange): Promise<void> {
  const [owner] = await tx
    .select({ id: users.id, username: users.username, kind: users.kind, planId: users.planId })
    .from(users)
    .where(eq(users.id, ownerId))
    .for("no key update");
  if (!owner) throw new AppError("NOT_FOUND", "This owner no longer exists.");
  const plan = await planOf(tx, owner);
  const usage = await usageOf(tx, ownerId);
  const addPrivate = change.addPrivatePackages ?? 0;
  if (addPrivate > 0 && plan.maxPrivatePackages !== null && usage.privatePackages + addPrivate > plan.maxPrivatePackages) {
    const allowed = plan.maxPrivatePackages === 0 ? "no private packages" : `${plan.maxPrivatePackages} private package${plan.maxPrivatePackages === 1 ? "" : "s"}`;
    throw new PlanLimitError(
      `${owner.username}'s plan (${plan.name}) allows ${allowed}, and ${owner.username} has ${usage.privatePackages}. ` +
        "Make the package public, delete a private one, or change the plan under Settings → Billing.",
    );
  }
  const addBytes = change.addBytes ?? 0;
  if (addBytes > 0 && plan.maxStorageBytes !== null && usage.storageBytes + addBytes > plan.maxStorageBytes) {
    throw new PlanLimitError(
      `${owner.username}'s plan (${plan.name}) allows ${formatBytes(plan.maxStorageBytes)} of storage; ${owner.username} uses ` +
        `${formatBytes(usage.storageBytes)} and this file needs ${formatBytes(addBytes)}. Delete files, or change the plan under Settings → Billing.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------- billing

/** Settings → Billing: the owner's plan, its usage against the limits, and the plans it could change to. */
export async function getBilling(db: Db, actor: Actor, rawInput: { owner: string }) {
  assertCan(actor, "billing:read");
  requireUser(actor);
  const owner = await loadBillableOwner(db, actor, rawInput.owner, "see");
  const [plan, usage, all] = await Promise.all([planOf(db, owner), usageOf(db, owner.id), listPlans(db)]);
  return {
    owner: { username: owner.username, kind: owner.kind },
    plan,
    usage,
    plans: all.filter((candidate) => candidate.audience === owner.kind),
  };
}

/**
 * The owner itself, for its own account; an organization's billing is its owners' business (members see it, only
 * owners change it).
 */
async function loadBillableOwner(db: Db, actor: Actor, ownerName: string, intent: "see" | "change") {
  requireUser(actor);
  const found = await requireVisibleOwner(db, actor, ownerName);
  const [owner] = await db
    .select({ id: users.id, username: users.username, kind: users.kind, planId: users.planId })
    .from(users)
    .where(eq(users.id, found.id));
  if (!owner) throw new AppError("NOT_FOUND", `There is no user or organization named ${ownerName}.`);
  if (owner.kind === "organization") {
    await assertOrganizationAction(db, actor, owner, intent === "see" ? "see" : "changePlan");
  } else if (!(await administersOwner(db, actor, owner))) {
    throw new AppError("NOT_FOUND", `There is no billing of ${ownerName} for you to see.`);
  }
  return owner;
}

/** Switching plans oneself: only to self-service plans of the owner's kind, and only when the usage fits. */
export async function changePlan(db: Db, actor: Actor, rawInput: z.input<typeof changePlanSchema>) {
  assertCan(actor, "billing:update");
  const input = changePlanSchema.parse(rawInput);
  const owner = await loadBillableOwner(db, actor, input.owner, "change");
  const [plan] = await db.select().from(plans).where(eq(plans.slug, input.plan));
  if (!plan || plan.audience !== owner.kind) throw AppError.field("plan", `There is no plan ${input.plan} for ${owner.kind === "user" ? "personal accounts" : "organizations"}.`);
  if (!plan.selfService) {
    throw AppError.field("plan", `The ${plan.name} plan is assigned by the site's administrators: ask one of them to change ${owner.username}'s plan.`, "FORBIDDEN");
  }
  await setPlan(db, actor, owner, plan, "plan.changed");
  return plan;
}

/** Refuses a plan the owner's current usage would already pass: nothing is removed behind the owner's back. */
async function assertUsageFits(db: Db, owner: { id: string; username: string }, plan: Plan): Promise<void> {
  const usage = await usageOf(db, owner.id);
  if (plan.maxPrivatePackages !== null && usage.privatePackages > plan.maxPrivatePackages) {
    throw AppError.field("plan", `${owner.username} has ${usage.privatePackages} private packages; the ${plan.name} plan allows ${plan.maxPrivatePackages}.`, "PRECONDITION_FAILED");
  }
  if (plan.maxStorageBytes !== null && usage.storageBytes > plan.maxStorageBytes) {
    throw AppError.field("plan", `${owner.username} uses ${formatBytes(usage.storageBytes)}; the ${plan.name} plan allows ${formatBytes(plan.maxStorageBytes)}.`, "PRECONDITION_FAILED");
  }
}

async function setPlan(db: Db, actor: Actor, owner: { id: string; username: string; planId: string | null }, plan: Plan, action: "plan.changed" | "plan.assigned") {
  await assertUsageFits(db, owner, plan);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ planId: plan.id, updatedAt: new Date() }).where(eq(users.id, owner.id));
    await recordAudit(tx, actor, {
      action,
      target: { type: "owner", id: owner.id, label: owner.username },
      subjectUserId: owner.id,
      details: { plan: plan.slug, previousPlanId: owner.planId },
    });
  });
}

// ---------------------------------------------------------------------------------------------- administration

export async function adminListPlans(db: Db, actor: Actor) {
  assertCan(actor, "admin:plans:read");
  const rows = await db
    .select({ planId: users.planId, kind: users.kind, owners: count() })
    .from(users)
    .groupBy(users.planId, users.kind);
  const all = await listPlans(db);
  return all.map((plan) => ({
    ...plan,
    owners: rows
      .filter((row) => row.planId === plan.id || (row.planId === null && plan.isDefault && row.kind === plan.audience))
      .reduce((sum, row) => sum + row.owners, 0),
  }));
}

export async function updatePlan(db: Db, actor: Actor, rawInput: z.input<typeof updatePlanSchema>) {
  assertCan(actor, "admin:plans:update");
  const input = updatePlanSchema.parse(rawInput);
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(plans).where(eq(plans.slug, input.slug));
    if (!before) throw new AppError("NOT_FOUND", `There is no plan ${input.slug}.`);
    const [after] = await tx
      .update(plans)
      .set({
        name: input.name,
        description: input.description,
        maxPrivatePackages: input.maxPrivatePackages,
        maxStorageBytes: input.maxStorageBytes,
        selfService: input.selfService,
        priceLabel: input.priceLabel,
        updatedAt: new Date(),
      })
      .where(eq(plans.id, before.id))
      .returning();
    await recordAudit(tx, actor, {
      action: "plan.updated",
      target: { type: "plan", id: before.id, label: before.name },
      details: { before: planLimits(before), after: planLimits(after!) },
    });
    return after!;
  });
}

function planLimits(plan: Plan) {
  return { name: plan.name, maxPrivatePackages: plan.maxPrivatePackages, maxStorageBytes: plan.maxStorageBytes, selfService: plan.selfService };
}

/** A site administrator gives any owner any plan of its kind (the usage must fit, as for owners). */
export async function assignPlan(db: Db, actor: Actor, rawInput: z.input<typeof assignPlanSchema>) {
  assertCan(actor, "admin:plans:update");
  const input = assignPlanSchema.parse(rawInput);
  const [owner] = await db
    .select({ id: users.id, username: users.username, kind: users.kind, planId: users.planId })
    .from(users)
    .where(sql`lower(${users.username}) = ${input.owner.toLowerCase()}`);
  if (!owner) throw AppError.field("owner", `There is no user or organization named ${input.owner}.`, "NOT_FOUND");
  const [plan] = await db.select().from(plans).where(eq(plans.slug, input.plan));
  if (!plan || plan.audience !== owner.kind) throw AppError.field("plan", `There is no plan ${input.plan} for ${owner.kind === "user" ? "personal accounts" : "organizations"}.`);
  await setPlan(db, actor, owner, plan, "plan.assigned");
  return plan;
}

// ---------------------------------------------------------------------------------------------- academic plans

const academicDomainsKey = "academicDomains";
const defaultAcademicDomains = ["edu"];

/** The site setting: domains (and their subdomains) whose confirmed addresses get the Academic plan. */
export async function academicDomains(db: Db): Promise<string[]> {
  const [row] = await db.select().from(siteSettings).where(eq(siteSettings.key, academicDomainsKey));
  const parsed = academicDomainsSchema.safeParse(row?.value);
  return parsed.success ? parsed.data : defaultAcademicDomains;
}

export async function setAcademicDomains(db: Db, actor: Actor, rawDomains: unknown): Promise<string[]> {
  assertCan(actor, "admin:plans:update");
  const domains = academicDomainsSchema.parse(rawDomains);
  await db.transaction(async (tx) => {
    await tx
      .insert(siteSettings)
      .values({ key: academicDomainsKey, value: domains })
      .onConflictDoUpdate({ target: siteSettings.key, set: { value: domains, updatedAt: new Date() } });
    await recordAudit(tx, actor, { action: "admin.settings_updated", target: { type: "site" }, details: { academicDomains: domains } });
  });
  return domains;
}

export function isAcademicAddress(email: string, domains: readonly string[]): boolean {
  const host = email.trim().toLowerCase().split("@").pop() ?? "";
  return domains.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/**
 * After an address is confirmed: an account on its kind's default plan (or none) at an academic domain moves to
 * the Academic plan. Assigned plans are left alone.
 */
export async function grantAcademicPlanIfEligible(db: Db, actor: Actor, userId: string, email: string): Promise<boolean> {
  if (!isAcademicAddress(email, await academicDomains(db))) return false;
  const [academic] = await db.select().from(plans).where(eq(plans.slug, "academic"));
  const [owner] = await db
    .select({ id: users.id, username: users.username, kind: users.kind, planId: users.planId })
    .from(users)
    .where(eq(users.id, userId));
  if (!academic || !owner || owner.kind !== "user") return false;
  const current = await planOf(db, owner);
  if (owner.planId !== null && !current.isDefault) return false;
  await db.transaction(async (tx) => {
    await tx.update(users).set({ planId: academic.id, updatedAt: new Date() }).where(eq(users.id, owner.id));
    await recordAudit(tx, actor, {
      action: "plan.assigned",
      target: { type: "owner", id: owner.id, label: owner.username },
      subjectUserId: owner.id,
      details: { plan: academic.slug, reason: "academic address confirmed" },
    });
  });
  return true;
}
