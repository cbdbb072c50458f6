import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { AppError } from "../../errors";
import type { FileProblems } from "./problems";

/**
 * Streams a gzip file's decompressed bytes to `consume`. Unlike the bzip2 path this always reads to the end,
 * even after `consume` has what it needs: zlib is native and fast, and only the trailing CRC tells a
 * complete upload from a truncated one.
 */
export async function scanGzipFile(path: string, consume: (chunk: Uint8Array) => boolean, budget: number, problems: FileProblems): Promise<void> {
  // Not stream.pipeline: on Node 20 it replaces an error thrown by the consuming function with AbortError.
  const source = createReadStream(path);
  const gunzip = createGunzip();
  source.on("error", (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  let total = 0;
  let wantsMore = true;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > budget) throw problems.expandsTooFar(budget);
      if (wantsMore) wantsMore = consume(chunk);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (typeof code === "string" && code.startsWith("Z_")) {
      throw problems.corrupt(code === "Z_BUF_ERROR" ? "the gzip data ends early" : `gzip: ${(error as Error).message}`);
    }
    throw error;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}
