import type { FileType } from "../../db/schema/packages";
import { AppError } from "../../errors";
import { parseConda, parseCondaTarBz2 } from "./conda";
import { parseEnvironment } from "./environment";
import { parseNotebook } from "./notebook";
import { defaultLimits, FileProblems, isSystemError, type ParseLimits } from "./problems";
import { parseSdist, parseWheel } from "./python";
import type { ParsedDistribution } from "./types";

export type { ParsedDistribution } from "./types";

export interface ParseOptions {
  /** Cap on any one metadata member read out of an archive, and on an environment file. Default 10 MiB. */
  maxMetadataBytes?: number;
  /** Cap on a notebook, which is parsed whole. Default 64 MiB. */
  maxDocumentBytes?: number;
}

type Parser = (filePath: string, filename: string, limits: ParseLimits) => Promise<ParsedDistribution>;

/** Longest suffix first: `.tar.bz2` and `.tar.gz` before anything shorter. */
const parsers: { extension: string; kind: string; fileType: FileType; parse: Parser }[] = [
  { extension: ".tar.bz2", kind: ".tar.bz2", fileType: "conda", parse: parseCondaTarBz2 },
  { extension: ".tar.gz", kind: ".tar.gz sdist", fileType: "sdist", parse: parseSdist },
  { extension: ".conda", kind: ".conda", fileType: "conda", parse: parseConda },
  { extension: ".ipynb", kind: "notebook", fileType: "notebook", parse: parseNotebook },
  { extension: ".yaml", kind: "environment", fileType: "environment", parse: parseEnvironment },
  { extension: ".yml", kind: "environment", fileType: "environment", parse: parseEnvironment },
  { extension: ".whl", kind: "wheel", fileType: "wheel", parse: parseWheel },
  { extension: ".zip", kind: ".zip sdist", fileType: "sdist", parse: parseSdist },
];

function parserFor(filename: string) {
  const lowerCased = filename.toLowerCase();
  return parsers.find(({ extension }) => lowerCased.endsWith(extension) && lowerCased.length > extension.length);
}

/**
 * The kind of file a name announces, as parseDistribution will read it (null when Granary takes no such file).
 * Known from the name alone, so an upload can be refused for its kind before its bytes are read.
 */
export function fileTypeOfName(filename: string): FileType | null {
  return parserFor(filename)?.fileType ?? null;
}

export const acceptedExtensions: readonly string[] = [".conda", ".tar.bz2", ".whl", ".tar.gz", ".zip", ".ipynb", ".yml", ".yaml"];

/**
 * Reads what an uploaded file says about itself, choosing the format by the file name's extension, and checks
 * that the whole archive is sound: every zip member's CRC-32, sizes and local header, every compressed stream
 * decoded to its end with its checksums, every tar well-formed, and a wheel's RECORD and a conda package's
 * info/paths.json against the files they list. A package that fails here would fail on every client. All of
 * it streams: metadata members are read whole (capped), everything else is hashed as it passes, and
 * decompression is bounded by `scanBudget`. Every problem with the bytes is an AppError (BAD_REQUEST when the
 * file is damaged or not what its name claims, UNPROCESSABLE_CONTENT when it is sound but its metadata is
 * wrong); only the server's own failures (I/O, a missing zstd program) escape as they are.
 */
export async function parseDistribution(filePath: string, filename: string, options: ParseOptions = {}): Promise<ParsedDistribution> {
  const limits: ParseLimits = {
    maxMetadataBytes: options.maxMetadataBytes ?? defaultLimits.maxMetadataBytes,
    maxDocumentBytes: options.maxDocumentBytes ?? defaultLimits.maxDocumentBytes,
  };
  if (filename === "" || /[/\\\0]/.test(filename)) {
    throw new AppError("BAD_REQUEST", `${JSON.stringify(filename)} is not a file name.`);
  }
  const parser = parserFor(filename);
  if (!parser) {
    throw new AppError("BAD_REQUEST", `${filename} is not a package type Granary accepts: upload a ${acceptedExtensions.join(", ")} file.`);
  }
  try {
    return await parser.parse(filePath, filename, limits);
  } catch (error) {
    if (error instanceof AppError || isSystemError(error)) throw error;
    // Anything else came from a decoder meeting bytes it could not make sense of.
    throw new FileProblems(filename, parser.kind).corrupt(error instanceof Error ? error.message : undefined);
  }
}
