/**
 * Real round trips through the queue: sendEmail queues the deliver-email job, and the job (run by drainJobs, as a
 * worker would) sends through nodemailer to a local SMTP server, and through the Resend SDK to a local HTTP server
 * speaking Resend's API. Only the far end is a stand-in.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { sentEmails } from "@/test/factories";
import { drainJobs } from "@/test/jobs";
import { findFreePort } from "../db/embedded";
import { sql } from "drizzle-orm";
import { sendEmail } from ".";
import { createResendTransport, createSmtpTransport, type MailTransport } from "./transports";

const db = setUpTestDatabase();

const resetUrl = "http://granary.test/reset-password?token=Zm9vYmFyLWJhei1xdXV4LXRva2VuLXZhbHVlLTQzY2g";
const passwordResetMessage = {
  to: "ada@example.test",
  template: "passwordReset" as const,
  props: { username: "ada", resetUrl, expiresInHours: 24 },
};

/** Queues the message and runs the delivery job through the transport. */
async function sendThrough(transport?: MailTransport) {
  const queued = await sendEmail(db, passwordResetMessage);
  await drainJobs({ mailer: transport });
  const [run] = await db.execute<{ status: string; attempts: number; error: string | null }>(
    sql`select status, attempts, error from job_runs where id = ${queued.runId}::uuid`,
  );
  return run!;
}

const stopAfterTest: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (stopAfterTest.length) await stopAfterTest.pop()!();
});

interface ReceivedMail {
  from: string;
  recipients: string[];
  raw: string;
}

async function startSmtpServer(): Promise<{ port: number; received: ReceivedMail[] }> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    // Without STARTTLS on offer, nodemailer stays on plain text instead of upgrading to a self-signed certificate.
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          recipients: session.envelope.rcptTo.map((recipient) => recipient.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stopAfterTest.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, received };
}

/** Undoes quoted-printable encoding (RFC 2045), which nodemailer uses for mostly-ASCII bodies. */
function decodeQuotedPrintable(encoded: string): string {
  const bytes = encoded.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

interface ResendRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

async function startResendApi(answer: { status: number; body: unknown }): Promise<{ baseUrl: string; requests: ResendRequest[] }> {
  const requests: ResendRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({
        method: request.method ?? "",
        path: request.url ?? "",
        authorization: request.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>,
      });
      response.writeHead(answer.status, { "content-type": "application/json" });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stopAfterTest.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe("the outbox transport", () => {
  it("keeps the whole message for administrators to read", async () => {
    expect(await sendThrough()).toMatchObject({ status: "succeeded", attempts: 1 });

    const [stored] = await sentEmails(db);
    expect(stored).toMatchObject({
      transport: "outbox",
      toAddress: "ada@example.test",
      subject: "Reset your Granary password",
      template: "passwordReset",
      status: "stored",
      providerMessageId: null,
      error: null,
    });
    expect(stored!.html).toContain(resetUrl);
    expect(stored!.text).toContain(resetUrl);
  });
});

describe("the SMTP transport", () => {
  it("delivers the message to the SMTP server and keeps only the envelope", async () => {
    const smtp = await startSmtpServer();
    const transport = createSmtpTransport({ host: "127.0.0.1", port: smtp.port, secure: false });

    expect(await sendThrough(transport)).toMatchObject({ status: "succeeded", attempts: 1 });

    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.from).toBe("granary@granary.test");
    expect(mail!.recipients).toEqual(["ada@example.test"]);
    expect(mail!.raw).toMatch(/^To: ada@example\.test\r?$/m);
    expect(mail!.raw).toMatch(/^Subject: Reset your Granary password\r?$/m);
    expect(mail!.raw).toMatch(/^From: Granary <granary@granary\.test>\r?$/m);
    expect(decodeQuotedPrintable(mail!.raw)).toContain(resetUrl);

    const [recorded] = await sentEmails(db);
    expect(recorded).toMatchObject({ transport: "smtp", status: "sent", html: null, text: null, error: null });
    expect(recorded!.providerMessageId).toMatch(/^<.+@.+>$/);
  });

  it("records a refused delivery as failed and leaves the job to retry it, without failing the caller", async () => {
    // Nothing listens on a free port, so the connection is refused.
    const port = await findFreePort(41_000);
    const transport = createSmtpTransport({ host: "127.0.0.1", port, secure: false });
    const run = await sendThrough(transport);
    expect(run).toMatchObject({ status: "retrying", attempts: 1 });
    expect(run.error).toMatch(/ECONNREFUSED/);
    const [recorded] = await db.execute<{ transport: string; status: string; html: string | null; text: string | null; error: string }>(
      sql`select transport, status, html, text, error from email_messages`,
    );
    expect(recorded).toMatchObject({ transport: "smtp", status: "failed", html: null, text: null });
    expect(recorded!.error).toMatch(/ECONNREFUSED/);
  });
});

describe("the Resend transport", () => {
  it("posts the message to Resend's API with the key and keeps only the envelope", async () => {
    const resend = await startResendApi({ status: 200, body: { id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c" } });
    const transport = createResendTransport({ apiKey: "re_test_key", baseUrl: resend.baseUrl });

    expect(await sendThrough(transport)).toMatchObject({ status: "succeeded", attempts: 1 });

    expect(resend.requests).toHaveLength(1);
    const [request] = resend.requests;
    expect(request).toMatchObject({ method: "POST", path: "/emails", authorization: "Bearer re_test_key" });
    expect(request!.body).toMatchObject({
      from: "Granary <granary@granary.test>",
      to: ["ada@example.test"],
      subject: "Reset your Granary password",
    });
    expect(request!.body.html).toEqual(expect.stringContaining(resetUrl));
    expect(request!.body.text).toEqual(expect.stringContaining(resetUrl));

    const [recorded] = await sentEmails(db);
    expect(recorded).toMatchObject({
      transport: "resend",
      status: "sent",
      providerMessageId: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c",
      html: null,
      text: null,
      error: null,
    });
  });

  it("records Resend's refusal as failed, and a later attempt that succeeds updates the same message", async () => {
    const answer = { status: 422, body: { statusCode: 422, name: "validation_error", message: "Invalid `to` field." } as unknown };
    const resend = await startResendApi(answer);
    const transport = createResendTransport({ apiKey: "re_test_key", baseUrl: resend.baseUrl });
    expect(await sendThrough(transport)).toMatchObject({ status: "retrying", attempts: 1 });

    expect(resend.requests).toHaveLength(1);
    const [recorded] = await db.execute<Record<string, unknown>>(
      sql`select transport, status, provider_message_id as "providerMessageId", html, text, error from email_messages`,
    );
    expect(recorded).toMatchObject({
      transport: "resend",
      status: "failed",
      providerMessageId: null,
      html: null,
      text: null,
      error: "Resend refused the message: Invalid `to` field.",
    });

    // The retry (run now rather than after its backoff) goes through, and the message is recorded once.
    Object.assign(answer, { status: 200, body: { id: "0c9d6a1e-3f57-4a1c-9d2b-7d0e6f4b2a11" } });
    await drainJobs({ mailer: transport, ignoreDelays: true });
    expect(resend.requests).toHaveLength(2);
    const messages = await db.execute<Record<string, unknown>>(sql`select status, provider_message_id as "providerMessageId", error from email_messages`);
    expect(messages).toEqual([{ status: "sent", providerMessageId: "0c9d6a1e-3f57-4a1c-9d2b-7d0e6f4b2a11", error: null }]);
  });
});
