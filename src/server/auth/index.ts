/**
 * Sessions, through next-auth. Credentials are checked by the accounts service (throttling, audit), never
 * here: a session is started only with a short-lived ticket that the service layer's caller mints after a
 * successful check, for a session record it has opened. The session cookie carries the account id, the session
 * version and the record's id; every request re-checks them against the database (services/sessions.ts,
 * resolveSession), which is how a sign-out ends every copy of the cookie at once.
 */
import "server-only";
import { jwtVerify, SignJWT } from "jose";
import NextAuth, { type DefaultSession } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { env } from "@/env";
import type { BrowserSession } from "../services/account-records";
import { sessionLifetimeSeconds } from "../services/sessions";

declare module "next-auth" {
  interface Session {
    grant?: BrowserSession;
    user?: DefaultSession["user"];
  }
  interface User {
    sessionVersion?: number;
    sessionId?: string;
  }
}

const ticketAudience = "granary:session-ticket";

function secretKey(): Uint8Array {
  if (!env.AUTH_SECRET) throw new Error("AUTH_SECRET is not set: start Granary with `npm start`, which provides one.");
  return new TextEncoder().encode(env.AUTH_SECRET);
}

async function issueTicket(grant: BrowserSession): Promise<string> {
  return new SignJWT({ sv: grant.sessionVersion, sid: grant.sessionId })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(grant.userId)
    .setAudience(ticketAudience)
    .setIssuedAt()
    .setExpirationTime("60s")
    .sign(secretKey());
}

async function redeemTicket(ticket: unknown): Promise<BrowserSession | null> {
  if (typeof ticket !== "string") return null;
  try {
    const { payload } = await jwtVerify(ticket, secretKey(), { audience: ticketAudience });
    if (typeof payload.sub !== "string" || typeof payload.sv !== "number" || typeof payload.sid !== "string") return null;
    return { userId: payload.sub, sessionVersion: payload.sv, sessionId: payload.sid };
  } catch {
    return null;
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  secret: env.AUTH_SECRET,
  trustHost: true,
  session: { strategy: "jwt", maxAge: sessionLifetimeSeconds },
  pages: { signIn: "/sign-in", error: "/sign-in" },
  providers: [
    Credentials({
      id: "ticket",
      credentials: { ticket: {} },
      async authorize(credentials) {
        const grant = await redeemTicket(credentials?.ticket);
        return grant ? { id: grant.userId, sessionVersion: grant.sessionVersion, sessionId: grant.sessionId } : null;
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id) {
        token.sub = user.id;
        token.sv = user.sessionVersion;
        token.sid = user.sessionId;
      }
      return token;
    },
    session({ session, token }) {
      // A cookie from before sessions had records names none: it no longer signs anyone in.
      if (typeof token.sub === "string" && typeof token.sv === "number" && typeof token.sid === "string") {
        session.grant = { userId: token.sub, sessionVersion: token.sv, sessionId: token.sid };
      }
      return session;
    },
  },
});

/** Sets the session cookie for a session the service layer has just opened. */
export async function startSession(grant: BrowserSession): Promise<void> {
  const resultUrl = await signIn("ticket", { ticket: await issueTicket(grant), redirect: false });
  if (typeof resultUrl === "string" && new URL(resultUrl, "http://granary.invalid").searchParams.has("error")) {
    throw new Error("next-auth refused a freshly minted session ticket.");
  }
}

export async function endSession(): Promise<void> {
  await signOut({ redirect: false });
}
