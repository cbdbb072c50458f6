/**
 * The floor Granary's small answers are held to (bench/run.sh's small section): a bare node:http server sending the
 * very bytes and headers Granary sent, captured with curl, and doing nothing else.
 *
 *   npx tsx bench/bare-node.ts <port> <captures-dir>
 *
 * <captures-dir>/routes.tsv has one line per path: `<path> <name>`, where <name>.headers and <name>.body are
 * curl's -D and -o of Granary's 200 answer, and <name>.304.headers (optional) curl's -D of its 304. A GET answers
 * the 200 with its body, a HEAD the same headers without it, and a request whose If-None-Match names the captured
 * ETag the 304. Node writes Date, Connection and Keep-Alive itself, as it does for Granary, with Granary's keep-alive
 * timeout. Prints "listening".
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

/** Written by Node on every answer, Granary's included: never copied from the capture. */
const writtenByNode = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);

interface Answer {
  headers: [string, string][];
  body: Buffer;
  etag: string | undefined;
  notModified: [string, string][] | undefined;
}

/** Granary's keep-alive timeout, as its captured answers state it (5 s unless they say otherwise). */
let keepAliveSeconds = 5;

function parseHeaders(file: string): [string, string][] {
  const lines = fs.readFileSync(file, "latin1").split(/\r?\n/);
  const keepAlive = lines.map((line) => /^keep-alive:.*timeout=(\d+)/i.exec(line)).find(Boolean);
  if (keepAlive) keepAliveSeconds = Number(keepAlive[1]);
  // curl -D writes the status line first; a 100 Continue would come before it, but these are GETs.
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (writtenByNode.has(name.toLowerCase())) continue;
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  return headers;
}

function loadAnswers(directory: string): Map<string, Answer> {
  const answers = new Map<string, Answer>();
  for (const line of fs.readFileSync(path.join(directory, "routes.tsv"), "utf8").split("\n")) {
    const [route, name] = line.trim().split(/\s+/);
    if (!route || !name) continue;
    const headers = parseHeaders(path.join(directory, `${name}.headers`));
    const notModifiedFile = path.join(directory, `${name}.304.headers`);
    answers.set(route, {
      headers,
      body: fs.readFileSync(path.join(directory, `${name}.body`)),
      etag: headers.find(([header]) => header.toLowerCase() === "etag")?.[1],
      notModified: fs.existsSync(notModifiedFile) ? parseHeaders(notModifiedFile) : undefined,
    });
  }
  return answers;
}

const [portText, directory] = process.argv.slice(2);
if (!portText || !directory) {
  console.error("usage: tsx bench/bare-node.ts <port> <captures-dir>");
  process.exit(2);
}
const answers = loadAnswers(directory);

const server = http.createServer((request, response) => {
  const answer = answers.get(request.url ?? "/");
  if (!answer) {
    response.writeHead(404).end();
    return;
  }
  if (answer.notModified && answer.etag !== undefined && request.headers["if-none-match"] === answer.etag) {
    response.writeHead(304, answer.notModified).end();
    return;
  }
  response.writeHead(200, answer.headers);
  if (request.method === "HEAD") response.end();
  else response.end(answer.body);
});
// Idle connections are kept as long as Granary keeps them: it says how long in every answer (Keep-Alive: timeout=N).
server.keepAliveTimeout = keepAliveSeconds * 1000;
server.listen(Number(portText), "127.0.0.1", () => console.log("listening"));
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
