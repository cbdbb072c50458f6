/**
 * A notebook's read-only preview: its cells as data the page renders (Markdown through the sanitizing renderer,
 * code as highlighted text, outputs as text and as PNG, JPEG or GIF images). Nothing a notebook carries is ever
 * run or embedded as markup: HTML and JavaScript outputs are shown only through their plain-text form, SVG
 * (which can hold scripts and remote references) is left out, and images are data URLs, which the site's
 * Content-Security-Policy allows and which load nothing from elsewhere.
 */
import fs from "node:fs/promises";
import { z } from "zod";
import { packageRefSchema } from "@/shared/schemas/packages";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { packageFiles } from "../db/schema";
import { and, desc, eq } from "drizzle-orm";
import type { BlobStore } from "../storage";
import { loadVisiblePackage } from "./packages";

/** Notebooks larger than this are not previewed (they can still be downloaded): parsing one costs the server memory. */
export const maxPreviewBytes = 8 * 1024 * 1024;
const maxCells = 500;
const maxTextOutput = 20_000;
const maxImageBytes = 2 * 1024 * 1024;
const imageTypes = ["image/png", "image/jpeg", "image/gif"] as const;

export type NotebookOutput = { kind: "text"; text: string; error: boolean } | { kind: "image"; mediaType: (typeof imageTypes)[number]; dataUrl: string };

export interface NotebookCell {
  kind: "markdown" | "code" | "raw";
  source: string;
  executionCount: number | null;
  outputs: NotebookOutput[];
}

export type NotebookPreview =
  | { status: "ready"; filename: string; version: string; language: string | null; cells: NotebookCell[]; truncated: boolean }
  | { status: "too-large" | "unreadable"; filename: string; version: string };

function joined(value: unknown): string {
  if (typeof value === "string") return value;
  return Array.isArray(value) ? value.filter((part): part is string => typeof part === "string").join("") : "";
}

function clipped(text: string): string {
  return text.length > maxTextOutput ? `${text.slice(0, maxTextOutput)}\n… (cut: the output goes on for ${text.length - maxTextOutput} more characters)` : text;
}

/** Terminal colour codes in tracebacks are noise as text. */
function withoutAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function outputsOf(raw: unknown): NotebookOutput[] {
  const outputs: NotebookOutput[] = [];
  for (const item of Array.isArray(raw) ? raw : []) {
    const output = record(item);
    if (output.output_type === "stream") {
      outputs.push({ kind: "text", text: clipped(joined(output.text)), error: output.name === "stderr" });
    } else if (output.output_type === "error") {
      const traceback = Array.isArray(output.traceback) ? output.traceback.filter((line): line is string => typeof line === "string").join("\n") : "";
      outputs.push({ kind: "text", text: clipped(withoutAnsi(traceback || `${joined(output.ename)}: ${joined(output.evalue)}`)), error: true });
    } else if (output.output_type === "execute_result" || output.output_type === "display_data") {
      const data = record(output.data);
      const mediaType = imageTypes.find((type) => typeof data[type] === "string" || Array.isArray(data[type]));
      const base64 = mediaType ? joined(data[mediaType]).replace(/\s+/g, "") : "";
      if (mediaType && base64.length * 0.75 <= maxImageBytes && /^[A-Za-z0-9+/]+=*$/.test(base64)) {
        outputs.push({ kind: "image", mediaType, dataUrl: `data:${mediaType};base64,${base64}` });
      } else if (data["text/plain"] !== undefined) {
        outputs.push({ kind: "text", text: clipped(joined(data["text/plain"])), error: false });
      }
    }
  }
  return outputs;
}

/** The cells of a notebook's JSON; throws on anything that is not a notebook. */
export function notebookCells(document: unknown): { cells: NotebookCell[]; language: string | null; truncated: boolean } {
  const notebook = record(document);
  if (!Array.isArray(notebook.cells)) throw new Error("not a notebook");
  const metadata = record(notebook.metadata);
  const language = joined(record(metadata.language_info).name) || joined(record(metadata.kernelspec).language) || null;
  const cells = notebook.cells.slice(0, maxCells).map((item): NotebookCell => {
    const cell = record(item);
    const kind = cell.cell_type === "markdown" || cell.cell_type === "code" ? cell.cell_type : "raw";
    return {
      kind,
      source: joined(cell.source),
      executionCount: typeof cell.execution_count === "number" ? cell.execution_count : null,
      outputs: kind === "code" ? outputsOf(cell.outputs) : [],
    };
  });
  return { cells, language, truncated: notebook.cells.length > maxCells };
}

/** The preview of the package's newest notebook file, or null when the package has none. */
export async function getNotebookPreview(db: Db, actor: Actor, rawInput: z.input<typeof packageRefSchema>, store: BlobStore): Promise<NotebookPreview | null> {
  assertCan(actor, "package:read");
  const input = packageRefSchema.parse(rawInput);
  const { pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  const [file] = await db
    .select({ filename: packageFiles.filename, version: packageFiles.version, sha256: packageFiles.sha256, size: packageFiles.size })
    .from(packageFiles)
    .where(and(eq(packageFiles.packageId, pkg.id), eq(packageFiles.fileType, "notebook")))
    .orderBy(desc(packageFiles.createdAt))
    .limit(1);
  if (!file) return null;
  const about = { filename: file.filename, version: file.version };
  if (file.size > maxPreviewBytes) return { status: "too-large", ...about };
  try {
    const document = JSON.parse(await fs.readFile(store.blobPath(file.sha256), "utf8")) as unknown;
    return { status: "ready", ...about, ...notebookCells(document) };
  } catch {
    // Missing bytes or a file that no longer parses: the page says so instead of failing.
    return { status: "unreadable", ...about };
  }
}
