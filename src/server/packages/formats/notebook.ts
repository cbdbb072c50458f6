import { readWholeFile } from "./files";
import { FileProblems, isPlainObject, type ParseLimits } from "./problems";
import type { ParsedDistribution } from "./types";

const maxSummaryLength = 200;

/** A Jupyter notebook (nbformat 4+). It carries no version; the upload service assigns one. */
export async function parseNotebook(filePath: string, filename: string, limits: ParseLimits): Promise<ParsedDistribution> {
  const problems = new FileProblems(filename, "notebook");
  const bytes = await readWholeFile(filePath, problems, limits.maxDocumentBytes);
  let notebook: unknown;
  try {
    notebook = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as unknown;
  } catch {
    throw problems.invalid("it is not JSON");
  }
  if (!isPlainObject(notebook)) throw problems.invalid("it is not a JSON object");
  const { cells, nbformat, metadata } = notebook;
  if (!Array.isArray(cells)) throw problems.metadata("notebook JSON", "has no cells list");
  if (typeof nbformat !== "number" || !Number.isInteger(nbformat)) throw problems.metadata("notebook JSON", "has no integer nbformat");
  if (nbformat < 4) throw problems.metadata("notebook JSON", `is nbformat ${nbformat}; only nbformat 4 and later are accepted`);
  if (!isPlainObject(metadata)) throw problems.metadata("notebook JSON", "has no metadata object");
  if (!cells.every((cell) => isPlainObject(cell) && typeof cell.cell_type === "string")) {
    throw problems.metadata("notebook JSON", "has a cell without a cell_type");
  }
  const minor = notebook.nbformat_minor;
  const kernelspec = metadata.kernelspec;
  const languageInfo = metadata.language_info;

  const name = filename.slice(0, -".ipynb".length);
  if (name.trim() === "") throw problems.invalid("its name is empty");
  return {
    fileType: "notebook",
    name,
    version: null,
    subdir: "notebooks",
    summary: summaryOf(cells as Record<string, unknown>[]),
    description: null,
    descriptionContentType: null,
    license: null,
    homepage: null,
    requiresPython: null,
    coreMetadata: null,
    metadata: {
      nbformat,
      nbformat_minor: typeof minor === "number" && Number.isInteger(minor) ? minor : null,
      kernel: isPlainObject(kernelspec) && typeof kernelspec.name === "string" ? kernelspec.name : null,
      language: isPlainObject(languageInfo) && typeof languageInfo.name === "string" ? languageInfo.name : null,
      cells: cells.length,
    },
  };
}

/** The first markdown cell's first heading, or else its first line: usually the notebook's title. */
function summaryOf(cells: Record<string, unknown>[]): string | null {
  const markdown = cells.find((cell) => cell.cell_type === "markdown");
  if (!markdown) return null;
  const source = Array.isArray(markdown.source) ? markdown.source.filter((part) => typeof part === "string").join("") : markdown.source;
  if (typeof source !== "string") return null;
  const lines = source.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const heading = lines.find((line) => /^#{1,6}\s/.test(line));
  const chosen = (heading ?? lines[0])?.replace(/^#{1,6}\s+/, "").replace(/\s+#+$/, "").trim();
  if (!chosen) return null;
  return chosen.length > maxSummaryLength ? `${chosen.slice(0, maxSummaryLength - 1)}…` : chosen;
}
