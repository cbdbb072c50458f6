/**
 * Slow and greedy clients against the protocol handler's own server (server.ts, built as the launcher builds its
 * own): real sockets that trickle headers byte by byte, uploads that stall, and bursts, with the limits of
 * http-limits.ts made small where a test needs to reach them.
 */
import fs from "node:fs";
import type http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createUser, type TestUser } from "@/test/factories";
import { packageFiles } from "./db/schema";
import { basicAuthorization, call, startTestServer, type TestServer, type WireResponse } from "./protocols/test-support";
import { createLimitedServer, httpLimits, type HttpLimits } from "./http-limits";

const db = setUpTestDatabase();

let alice: TestUser;
const servers: TestServer[] = [];
const sockets: net.Socket[] = [];

beforeEach(async () => {
  alice = await createUser(db, { username: "alice" });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await server.close();
});

async function serverWith(limits: Partial<HttpLimits>, trustedProxies = 0): Promise<TestServer> {
  const server = await startTestServer(db, { limits, trustedProxies });
  servers.push(server);
  return server;
}

/** A raw connection, from `localAddress` (127.0.0.2 is another client on the same machine). */
function connect(server: TestServer, localAddress = "127.0.0.1"): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port: server.port, localAddress });
    sockets.push(socket);
    socket.on("error", () => {});
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Everything the server sent until it closed the connection. */
function untilClosed(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    if (socket.destroyed || socket.readableEnded) resolve(received);
    socket.once("close", () => resolve(received));
  });
}

/** Sends `text` one byte at a time, every `everyMilliseconds`, until the connection closes. */
function trickle(socket: net.Socket, text: string, everyMilliseconds: number): void {
  let position = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) {
      clearInterval(timer);
      return;
    }
    socket.write(text[position % text.length]!);
    position += 1;
  }, everyMilliseconds);
  socket.once("close", () => clearInterval(timer));
}

async function eventually<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, what: string, deadlineMilliseconds = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMilliseconds;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}; last saw ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function callFrom(server: TestServer, target: string, localAddress: string, headers: Record<string, string> = {}): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port: server.port, localAddress });
    sockets.push(socket);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, statusMessage: "", headers: {}, body: Buffer.concat(chunks), text, reusedSocket: false });
    });
    const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
    socket.write(`GET ${target} HTTP/1.1\r\nHost: granary.test\r\nConnection: close\r\n${extra}\r\n`);
  });
}

const temporaryUploads = (server: TestServer) => {
  const folder = path.join(server.filesDirectory, "tmp");
  return fs.existsSync(folder) ? fs.readdirSync(folder) : [];
};

describe("slow clients", () => {
  it("holds hundreds of connections trickling their headers byte by byte while other clients are served", async () => {
    const server = await serverWith({ headersTimeoutSeconds: 600, idleTimeoutSeconds: 600, maxConnectionsPerClient: 1000 });
    const slow = await Promise.all(Array.from({ length: 300 }, () => connect(server)));
    for (const socket of slow) trickle(socket, "GET /alice/simple/ HTTP/1.1\r\nX-Slow: ", 200);

    const answers = await Promise.all(Array.from({ length: 40 }, () => call(server, "/alice/simple/")));
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 40 }, () => 200));
    // The slow ones are still there, neither served nor dropped.
    expect(slow.filter((socket) => socket.destroyed)).toEqual([]);
  });

  it("drops a connection whose headers are still trickling in at the header deadline", async () => {
    const server = await serverWith({ headersTimeoutSeconds: 2, idleTimeoutSeconds: 600 });
    const socket = await connect(server);
    const closed = untilClosed(socket);
    trickle(socket, "GET /alice/simple/ HTTP/1.1\r\nX-Slow: ", 100);
    // And one that connects and says nothing at all.
    const silent = untilClosed(await connect(server));
    expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
    expect(await silent).toMatch(/^HTTP\/1\.1 408 /);
    expect((await call(server, "/alice/simple/")).status).toBe(200);
  });

  it("drops uploads that stop sending, and removes what they had sent", async () => {
    const server = await serverWith({ idleTimeoutSeconds: 1 });
    const socket = await connect(server);
    const closed = untilClosed(socket);
    socket.write(
      "POST /api/channels/alice/upload/stalled-1.0-py_0.tar.bz2 HTTP/1.1\r\nHost: granary.test\r\n" +
        `Authorization: ${basicAuthorization("alice", alice.password)}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${1024 * 1024}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(64 * 1024, 7));
    // twine's form, stalled in the middle of its file.
    const twine = await connect(server);
    const twineClosed = untilClosed(twine);
    const boundary = "stalled-boundary";
    twine.write(
      `POST /alice/pypi/legacy/ HTTP/1.1\r\nHost: granary.test\r\nAuthorization: ${basicAuthorization("alice", alice.password)}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${1024 * 1024}\r\n\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name=":action"\r\n\r\nfile_upload\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="stalled-1.0-py3-none-any.whl"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    twine.write(Buffer.alloc(64 * 1024, 7));
    // Both uploads have started: their bytes wait in temporary files.
    await eventually(() => temporaryUploads(server), (files) => files.length === 2, "the uploads' temporary files");
    // Then the clients say nothing more, and the server gives up on them.
    await closed;
    await twineClosed;
    await eventually(() => temporaryUploads(server), (files) => files.length === 0, "the temporary file's removal");
    expect(await db.select().from(packageFiles)).toEqual([]);
  });
});

describe("greedy clients", () => {
  it("refuses an address's connections over the cap at once with 429, and serves other addresses", async () => {
    const server = await serverWith({ maxConnectionsPerClient: 50, headersTimeoutSeconds: 600, idleTimeoutSeconds: 600 });
    const held = await Promise.all(Array.from({ length: 50 }, () => connect(server)));
    for (const socket of held) trickle(socket, "GET /alice/simple/ HTTP/1.1\r\nX-Slow: ", 500);

    const refused = await Promise.all(Array.from({ length: 20 }, () => callFrom(server, "/alice/simple/", "127.0.0.1")));
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(answer.text).toContain("Retry-After: 5");
    }
    // Another address is not held back by this one.
    expect((await callFrom(server, "/alice/simple/", "127.0.0.2")).status).toBe(200);

    // Once the address lets go of its connections, it is served again.
    for (const socket of held) socket.destroy();
    await eventually(() => callFrom(server, "/alice/simple/", "127.0.0.1"), (answer) => answer.status === 200, "the address to be served again");
  });

  it("behind a trusted proxy, counts requests in flight per forwarded address", async () => {
    const server = await serverWith({ maxConnectionsPerClient: 2, idleTimeoutSeconds: 600 }, 1);
    // Two uploads from 203.0.113.5 that stall half-way hold its two places.
    for (let index = 0; index < 2; index++) {
      const socket = await connect(server);
      socket.write(
        `POST /api/channels/alice/upload/held-1.0-py_0.tar.bz2 HTTP/1.1\r\nHost: granary.test\r\nX-Forwarded-For: 203.0.113.5\r\n` +
          `Authorization: ${basicAuthorization("alice", alice.password)}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\nabc`,
      );
    }
    await eventually(() => temporaryUploads(server), (files) => files.length === 2, "both uploads to start");
    const third = await call(server, "/alice/simple/", { headers: { "X-Forwarded-For": "203.0.113.5" } });
    expect(third.status).toBe(429);
    expect(third.headers["retry-after"]).toBe("5");
    expect((await call(server, "/alice/simple/", { headers: { "X-Forwarded-For": "203.0.113.6" } })).status).toBe(200);
  });

  it("answers every request of a burst of 500 at once: the database pool queues them", async () => {
    const server = await serverWith({ maxConnectionsPerClient: 1000 });
    const answers = await Promise.all(Array.from({ length: 500 }, (_, index) => call(server, index % 2 === 0 ? "/alice/simple/" : "/alice/noarch/repodata.json")));
    const statuses = new Map<number, number>();
    for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 500 });
  });
});

describe("a server busy with an answer", () => {
  let plain: http.Server | undefined;

  afterEach(async () => {
    if (plain) await new Promise<void>((resolve) => plain!.close(() => resolve()));
    plain = undefined;
  });

  it("is not the client's silence: a request whose body has arrived is answered however long it takes, then the idle keep-alive connection is closed", async () => {
    let answer!: () => void;
    const working = new Promise<void>((resolve) => (answer = resolve));
    plain = createLimitedServer(httpLimits({ idleTimeoutSeconds: 1, keepAliveTimeoutSeconds: 1 }), (request, response) => {
      request.resume();
      // Granary checks a large package for longer than the idle timeout.
      void working.then(() => response.end("checked"));
    });
    await new Promise<void>((resolve) => plain!.listen(0, "127.0.0.1", resolve));
    const port = (plain.address() as net.AddressInfo).port;
    const socket = net.connect({ host: "127.0.0.1", port });
    sockets.push(socket);
    const closed = untilClosed(socket);
    socket.write("POST /check HTTP/1.1\r\nHost: granary.test\r\nContent-Length: 5\r\n\r\nhello");
    // Three idle timeouts pass while the server works.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(socket.destroyed).toBe(false);
    answer();
    // The answer arrives, and the keep-alive connection, idle after it, is closed.
    const received = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(received).toContain("checked");
  });
});
