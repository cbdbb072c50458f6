/**
 * Sessions, through next-auth. Credentials are checked by the accounts service (throttling, audit), never
 * here: a session is started only with a short-lived ticket that the service layer's caller mints after a
 * successful check. The session cookie carries the account id and the session version; every request
 * re-checks both against the database (see resolveSession), which is how sign-outs take effect at once.
 */
import "server-only";
import { jwtVerify, SignJWT } from "jose";
import NextAuth, { type DefaultSession } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { env } from "@/env";
import type { SessionGrant } from "../services/account-records";

declare module "next-auth" {
  interface Session {
    grant?: SessionGrant;
    user?: DefaultSession["user"];
  }
  interface User {
    sessionVersion?: number;
  }
}

const ticketAudience = "granary:session-ticket";

function secretKey(): Uint8Array {
  if (!env.AUTH_SECRET) throw new Error("AUTH_SECRET is not set: start Granary with `npm start`, which provides one.");
  return new TextEncoder().encode(env.AUTH_SECRET);
}

async function issueTicket(grant: SessionGrant): Promise<string> {
  return new SignJWT({ sv: grant.sessionVersion })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(grant.userId)
    .setAudience(ticketAudience)
    .setIssuedAt()
    .setExpirationTime("60s")
    .sign(secretKey());
}

async function redeemTicket(ticket: unknown): Promise<SessionGrant | null> {
  if (typeof ticket !== "string") return null;
  try {
    const { payload } = await jwtVerify(ticket, secretKey(), { audience: ticketAudience });
    if (typeof payload.sub !== "string" || typeof payload.sv !== "number") return null;
    return { userId: payload.sub, sessionVersion: payload.sv };
  } catch {
    return null;
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  secret: env.AUTH_SECRET,
  trustHost: true,
  session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
  pages: { signIn: "/sign-in", error: "/sign-in" },
  providers: [
    Credentials({
      id: "ticket",
      credentials: { ticket: {} },
      async authorize(credentials) {
        const grant = await redeemTicket(credentials?.ticket);
        return grant ? { id: grant.userId, sessionVersion: grant.sessionVersion } : null;
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id) {
        token.sub = user.id;
        token.sv = user.sessionVersion;
      }
      return token;
    },
    session({ session, token }) {
      if (typeof token.sub === "string" && typeof token.sv === "number") {
        session.grant = { userId: token.sub, sessionVersion: token.sv };
      }
      return session;
    },
  },
});

/** Sets the session cookie for an account whose credentials the service layer has just accepted. */
export async function startSession(grant: SessionGrant): Promise<void> {
  const resultUrl = await signIn("ticket", { ticket: await issueTicket(grant), redirect: false });
  if (typeof resultUrl === "string" && new URL(resultUrl, "http://granary.invalid").searchParams.has("error")) {
    throw new Error("next-auth refused a freshly minted session ticket.");
  }
}

export async function endSession(): Promise<void> {
  await signOut({ redirect: false });
}
