import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";

/**
 * reStructuredText descriptions rendered to HTML by rst-compiler (the one maintained reStructuredText renderer on
 * npm that runs here), with code blocks highlighted by highlight.js. Its author warns that its lookahead-heavy
 * regular expressions can take very long on crafted input (a few thousand headings take minutes), and uploads are
 * untrusted: so it runs in a worker thread with a time and memory limit, and a description it cannot render in
 * time is shown as preformatted text instead. The worker is kept for the next description and replaced when it is
 * stopped. The HTML it returns is not yet sanitized: callers sanitize it like any other uploaded markup.
 */

/** How long one description may take to render. */
export const renderTimeoutMs = 2_000;
/** Longer descriptions are shown as text without trying. */
export const maxRenderedLength = 200_000;

const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const { RstToHtmlCompiler } = require(workerData.compiler);
const hljs = require(workerData.highlighter);
const escape = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const highlighter = {
  codeToHtml(code, options) {
    const language = String(options && options.lang || "").toLowerCase();
    if (language && hljs.getLanguage(language)) {
      try {
        return '<code class="hljs language-' + language + '">' + hljs.highlight(code, { language, ignoreIllegals: true }).value + "</code>";
      } catch {}
    }
    return '<code class="hljs">' + escape(code) + "</code>";
  },
};
parentPort.on("message", ({ id, text }) => {
  try {
    const html = new RstToHtmlCompiler().compile(text, {}, { shiki: { theme: "granary", highlighter } }).body;
    parentPort.postMessage({ id, html });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

interface Pending {
  resolve: (html: string | null) => void;
  timer: NodeJS.Timeout;
}

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();
/** One description at a time: a slow one must not make those queued behind it time out. */
let queue: Promise<unknown> = Promise.resolve();

function modulePaths() {
  const require = createRequire(path.join(process.cwd(), "package.json"));
  return { compiler: require.resolve("rst-compiler"), highlighter: require.resolve("highlight.js") };
}

function settleAll(html: string | null) {
  for (const [id, entry] of pending) {
    clearTimeout(entry.timer);
    pending.delete(id);
    entry.resolve(html);
  }
}

function startWorker(): Worker {
  const started = new Worker(workerSource, { eval: true, workerData: modulePaths(), resourceLimits: { maxOldGenerationSizeMb: 128 } });
  // Rendering never keeps the process alive by itself.
  started.unref();
  started.on("message", (message: { id: number; html?: string; error?: string }) => {
    const entry = pending.get(message.id);
    if (!entry) return;
    clearTimeout(entry.timer);
    pending.delete(message.id);
    entry.resolve(message.html ?? null);
  });
  const forget = () => {
    if (worker === started) worker = null;
    settleAll(null);
  };
  started.on("error", forget);
  started.on("exit", forget);
  return started;
}

function renderNow(text: string): Promise<string | null> {
  worker ??= startWorker();
  const current = worker;
  const id = nextId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve(null);
      // The only way to stop a runaway regular expression is to stop its thread.
      if (worker === current) worker = null;
      void current.terminate();
    }, renderTimeoutMs);
    pending.set(id, { resolve, timer });
    current.postMessage({ id, text });
  });
}

/**
 * Rendered descriptions by content, newest last: a package page is read far more often than it changes, and a
 * description that could not be rendered in time is not tried again on every view.
 */
const rendered = new Map<string, Promise<string | null>>();
const rememberedDescriptions = 200;

/** The description as HTML (unsanitized), or null when it cannot be rendered in time: show it as text then. */
export function renderRestructuredText(text: string): Promise<string | null> {
  if (text.length > maxRenderedLength) return Promise.resolve(null);
  const key = createHash("sha256").update(text).digest("base64");
  const known = rendered.get(key);
  if (known) {
    rendered.delete(key);
    rendered.set(key, known);
    return known;
  }
  const result = queue.then(() => renderNow(text)).catch(() => null);
  queue = result;
  rendered.set(key, result);
  if (rendered.size > rememberedDescriptions) rendered.delete(rendered.keys().next().value!);
  return result;
}
