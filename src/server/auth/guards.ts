import "server-only";
import { notFound, redirect } from "next/navigation";
import { signInPath } from "@/shared/return-path";
import { can, type Actor, type Permission } from "../authz";
import { getCurrentActor } from "./actor";

type SignedInActor = Extract<Actor, { kind: "user" }>;

/** Pages for signed-in accounts send visitors to sign in, then back. */
export async function requireSignedIn(returnPath: string): Promise<SignedInActor> {
  const actor = await getCurrentActor();
  if (actor.kind !== "user") redirect(signInPath(returnPath));
  return actor;
}

/** A page the account may not use does not exist for it (no existence leaks). */
export async function requirePagePermission(permission: Permission, returnPath: string): Promise<SignedInActor> {
  const actor = await requireSignedIn(returnPath);
  if (!can(actor, permission)) notFound();
  return actor;
}
