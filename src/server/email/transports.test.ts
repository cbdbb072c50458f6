/**
 * Real round trips: mail goes out through nodemailer to a local SMTP server, and through the Resend SDK to a
 * local HTTP server speaking Resend's API. Only the far end is a stand-in.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { sentEmails } from "@/test/factories";
import { findFreePort } from "../db/embedded";
import { sendEmail } from ".";
import { createOutboxTransport, createResendTransport, createSmtpTransport } from "./transports";

const db = setUpTestDatabase();

const resetUrl = "http://granary.test/reset-password?token=Zm9vYmFyLWJhei1xdXV4LXRva2VuLXZhbHVlLTQzY2g";
const passwordResetMessage = {
  to: "ada@example.test",
  template: "passwordReset" as const,
  props: { username: "ada", resetUrl, expiresInHours: 24 },
};

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
    await expect(sendEmail(db, passwordResetMessage, createOutboxTransport())).resolves.toEqual({ status: "stored" });

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

    await expect(sendEmail(db, passwordResetMessage, transport)).resolves.toEqual({ status: "sent" });

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

  it("records a refused delivery as failed without failing the caller", async () => {
    // Nothing listens on a free port, so the connection is refused.
    const port = await findFreePort(41_000);
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const transport = createSmtpTransport({ host: "127.0.0.1", port, secure: false });
      await expect(sendEmail(db, passwordResetMessage, transport)).resolves.toEqual({ status: "failed" });
    } finally {
      consoleError.mockRestore();
    }
    const [recorded] = await sentEmails(db);
    expect(recorded).toMatchObject({ transport: "smtp", status: "failed", html: null, text: null });
    expect(recorded!.error).toMatch(/ECONNREFUSED/);
  });
});

describe("the Resend transport", () => {
  it("posts the message to Resend's API with the key and keeps only the envelope", async () => {
    const resend = await startResendApi({ status: 200, body: { id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c" } });
    const transport = createResendTransport({ apiKey: "re_test_key", baseUrl: resend.baseUrl });

    await expect(sendEmail(db, passwordResetMessage, transport)).resolves.toEqual({ status: "sent" });

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

  it("records Resend's refusal as failed without failing the caller", async () => {
    const resend = await startResendApi({
      status: 422,
      body: { statusCode: 422, name: "validation_error", message: "Invalid `to` field." },
    });
    const transport = createResendTransport({ apiKey: "re_test_key", baseUrl: resend.baseUrl });
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await expect(sendEmail(db, passwordResetMessage, transport)).resolves.toEqual({ status: "failed" });
      expect(consoleError).toHaveBeenCalledOnce();
    } finally {
      consoleError.mockRestore();
    }

    expect(resend.requests).toHaveLength(1);
    const [recorded] = await sentEmails(db);
    expect(recorded).toMatchObject({
      transport: "resend",
      status: "failed",
      providerMessageId: null,
      html: null,
      text: null,
      error: "Resend refused the message: Invalid `to` field.",
    });
  });
});
