/**
 * Admin → Notification over real protocols: a local SMTP server (smtp-server) and a local HTTP server answering as
 * Resend's API does, as the transports' own tests do; the stored row is read back to check the secrets are sealed.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { env } from "@/env";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createSiteAdmin, createUser, recordedAuditEvents, sentEmails } from "@/test/factories";
import { findFreePort } from "../db/embedded";
import { siteSettings } from "../db/schema";
import { deliverEmail } from "../email/delivery";
import { unseal } from "../jobs/sealing";
import { configuredMailTransport, databaseMailTransport } from "./mail-settings";

const db = setUpTestDatabase();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startSmtpServer(options: { refuse?: boolean } = {}) {
  const received: Array<{ from: string; to: string[]; raw: string; user: string | null }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "mailer" && auth.password === "smtp secret") callback(null, { user: auth.username });
      else callback(new Error("Invalid username or password"));
    },
    onRcptTo(address, _session, callback) {
      if (options.refuse) {
        const refusal = new Error("5.1.1 Mailbox unavailable") as Error & { responseCode: number };
        refusal.responseCode = 550;
        callback(refusal);
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          user: (session.user as string | undefined) ?? null,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, received };
}

async function startResendApi(answer: { status: number; body: unknown }) {
  const requests: Array<{ authorization: string | undefined; body: Record<string, unknown> }> = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({ authorization: request.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown> });
      response.writeHead(answer.status, { "content-type": "application/json" });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const saved = env.RESEND_BASE_URL;
  env.RESEND_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(() => {
    env.RESEND_BASE_URL = saved;
  });
  return { requests };
}

async function storedRow(): Promise<Record<string, unknown>> {
  const [row] = await db.select().from(siteSettings).where(eq(siteSettings.key, "mail"));
  return row!.value as Record<string, unknown>;
}

describe("the mail settings", () => {
  it("are off by default: mail stays in the outbox", async () => {
    const admin = await createSiteAdmin(db);
    expect(await callerFor(admin.actor).mailSettings.get()).toMatchObject({ source: "database", environment: null, mode: "off", resendApiKeySet: false, smtpPasswordSet: false });
    expect(configuredMailTransport()).toBe(databaseMailTransport);
    expect(await deliverEmail(db, { to: "a@example.test", template: "testEmail", props: { sentBy: "x", transport: "y" } }, configuredMailTransport())).toMatchObject({ status: "stored", transport: "outbox" });
  });

  it("round-trip with the secrets sealed in the stored row, never shown, kept when left empty, and audited without them", async () => {
    const admin = await createSiteAdmin(db);
    const api = callerFor(admin.actor).mailSettings;
    const view = await api.update({ mode: "smtp", smtpHost: "mail.example.org", smtpPort: 2525, smtpUsername: "mailer", smtpPassword: "smtp secret", smtpTls: "none", fromAddress: "Lab <lab@example.org>", resendApiKey: "re_secret_key" });
    expect(view).toMatchObject({ mode: "smtp", smtpHost: "mail.example.org", smtpPort: 2525, smtpUsername: "mailer", smtpPasswordSet: true, resendApiKeySet: true, smtpTls: "none", fromAddress: "Lab <lab@example.org>" });
    expect(JSON.stringify(await api.get())).not.toMatch(/smtp secret|re_secret_key|sealed/);

    const row = await storedRow();
    expect(JSON.stringify(row)).not.toMatch(/smtp secret|re_secret_key/);
    expect(row.smtpPasswordSealed).toMatch(/^sealed:v1:/);
    expect(unseal(row.smtpPasswordSealed)).toBe("smtp secret");
    expect(unseal(row.resendApiKeySealed)).toBe("re_secret_key");

    // Empty secret fields keep what is stored.
    await api.update({ mode: "smtp", smtpHost: "mail2.example.org", smtpPort: 25, smtpUsername: "mailer", smtpTls: "starttls" });
    expect(unseal((await storedRow()).smtpPasswordSealed)).toBe("smtp secret");
    await api.update({ mode: "smtp", smtpHost: "mail2.example.org", smtpUsername: "mailer", clearSmtpPassword: true });
    expect((await storedRow()).smtpPasswordSealed).toBeNull();

    const events = await recordedAuditEvents(db, { action: "admin.mail_settings_updated" });
    expect(events).toHaveLength(3);
    expect(JSON.stringify(events)).not.toMatch(/smtp secret|re_secret_key|sealed:v1/);
    expect(events[0]!.details).toMatchObject({ after: { mode: "smtp", smtpPasswordSet: true }, smtpPasswordChanged: true, resendApiKeyChanged: true });
  });

  it("refuse bad input on its field and change nothing", async () => {
    const admin = await createSiteAdmin(db);
    const api = callerFor(admin.actor).mailSettings;
    const noHost = await failureOf(api.update({ mode: "smtp", smtpHost: "" }));
    expect(noHost.code).toBe("BAD_REQUEST");
    expect((await failureOf(api.update({ mode: "smtp", smtpHost: "not a host!" }))).code).toBe("BAD_REQUEST");
    expect((await failureOf(api.update({ mode: "smtp", smtpHost: "mail.example.org", smtpPort: 70000 }))).code).toBe("BAD_REQUEST");
    expect((await failureOf(api.update({ mode: "off", fromAddress: "not an address" }))).code).toBe("BAD_REQUEST");
    const noKey = await failureOf(api.update({ mode: "resend" }));
    expect(noKey).toMatchObject({ code: "BAD_REQUEST", fieldErrors: { resendApiKey: "Give the Resend API key." } });
    expect(await db.$count(siteSettings)).toBe(0);
    const user = await createUser(db);
    expect((await failureOf(callerFor(user.actor).mailSettings.update({ mode: "off" }))).code).toBe("FORBIDDEN");
  });

  it("show mail the environment sets as read-only, and the environment wins", async () => {
    const admin = await createSiteAdmin(db);
    const saved = { SMTP_HOST: env.SMTP_HOST, SMTP_PASSWORD: env.SMTP_PASSWORD };
    Object.assign(env, { SMTP_HOST: "smtp.environment.test", SMTP_PASSWORD: "environment secret" });
    cleanups.push(() => void Object.assign(env, saved));
    const view = await callerFor(admin.actor).mailSettings.get();
    expect(view).toMatchObject({ source: "environment", environment: { transport: "smtp", host: "smtp.environment.test" } });
    expect(JSON.stringify(view)).not.toContain("environment secret");
    expect((await failureOf(callerFor(admin.actor).mailSettings.update({ mode: "off" }))).code).toBe("PRECONDITION_FAILED");
    expect(configuredMailTransport()).not.toBe(databaseMailTransport);
  });
});

describe("the mailer and Send a test e-mail", () => {
  it("send through the SMTP server the page configures, from the next message on, and report its reply", async () => {
    const smtp = await startSmtpServer();
    const admin = await createSiteAdmin(db, { username: "boss" });
    const api = callerFor(admin.actor).mailSettings;
    await api.update({ mode: "smtp", smtpHost: "127.0.0.1", smtpPort: smtp.port, smtpUsername: "mailer", smtpPassword: "smtp secret", smtpTls: "none", fromAddress: "Lab <lab@example.org>" });

    const result = await api.sendTest({});
    expect(result).toMatchObject({ ok: true, to: admin.email, transport: "smtp" });
    expect(result.reply).toMatch(/^250 /);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toMatchObject({ from: "lab@example.org", to: [admin.email], user: "mailer" });
    expect(smtp.received[0]!.raw).toMatch(/^Subject: Granary test e-mail\r?$/m);
    const [event] = await recordedAuditEvents(db, { action: "admin.test_email_sent" });
    expect(event).toMatchObject({ details: { to: admin.email, transport: "smtp", ok: true } });

    // Any e-mail, not only the test, goes through the settings of the moment: Off again keeps the next in the outbox.
    await api.update({ mode: "off" });
    expect(await api.sendTest({ to: "someone@example.test" })).toMatchObject({ ok: true, transport: "outbox" });
    expect(smtp.received).toHaveLength(1);
    expect((await sentEmails(db, { to: "someone@example.test" }))[0]).toMatchObject({ transport: "outbox", status: "stored" });
  });

  it("report a refusing SMTP server's reply, a wrong password and a server that cannot be reached", async () => {
    const refusing = await startSmtpServer({ refuse: true });
    const admin = await createSiteAdmin(db);
    const api = callerFor(admin.actor).mailSettings;
    await api.update({ mode: "smtp", smtpHost: "127.0.0.1", smtpPort: refusing.port, smtpTls: "none" });
    const refused = await api.sendTest({ to: "nobody@example.test" });
    expect(refused).toMatchObject({ ok: false, transport: "smtp" });
    expect(refused.reply).toMatch(/^550 .*Mailbox unavailable/);

    await api.update({ mode: "smtp", smtpHost: "127.0.0.1", smtpPort: refusing.port, smtpTls: "none", smtpUsername: "mailer", smtpPassword: "wrong" });
    expect((await api.sendTest({})).reply).toMatch(/^535 /);

    // STARTTLS required, and this server offers none.
    await api.update({ mode: "smtp", smtpHost: "127.0.0.1", smtpPort: refusing.port, smtpTls: "starttls" });
    expect((await api.sendTest({})).ok).toBe(false);

    const closedPort = await findFreePort(42_000);
    await api.update({ mode: "smtp", smtpHost: "127.0.0.1", smtpPort: closedPort, smtpTls: "none" });
    const unreachable = await api.sendTest({});
    expect(unreachable).toMatchObject({ ok: false });
    expect(unreachable.reply).toMatch(/ECONNREFUSED/);
  });

  it("send through Resend's API with the stored key and report its answer, or its refusal", async () => {
    const resend = await startResendApi({ status: 200, body: { id: "0c4f1a9e-7d1b-4a43-9f7a-2d1e5b3c9a10" } });
    const admin = await createSiteAdmin(db);
    const api = callerFor(admin.actor).mailSettings;
    await api.update({ mode: "resend", resendApiKey: "re_stored_key", fromAddress: "granary@example.org" });
    const sent = await api.sendTest({ to: "ada@example.test" });
    expect(sent).toMatchObject({ ok: true, transport: "resend", reply: "Accepted by Resend, message id 0c4f1a9e-7d1b-4a43-9f7a-2d1e5b3c9a10" });
    expect(resend.requests[0]).toMatchObject({ authorization: "Bearer re_stored_key", body: { from: "granary@example.org", to: ["ada@example.test"], subject: "Granary test e-mail" } });
  });

  it("report Resend's refusal with its status", async () => {
    await startResendApi({ status: 403, body: { statusCode: 403, name: "invalid_api_key", message: "API key is invalid" } });
    const admin = await createSiteAdmin(db);
    const api = callerFor(admin.actor).mailSettings;
    await api.update({ mode: "resend", resendApiKey: "re_bad" });
    expect(await api.sendTest({})).toMatchObject({ ok: false, transport: "resend", reply: "HTTP 403 invalid_api_key: API key is invalid" });
    expect((await failureOf(api.sendTest({ to: "not an address" }))).code).toBe("BAD_REQUEST");
  });
});
