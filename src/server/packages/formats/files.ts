import { open } from "node:fs/promises";
import type { FileProblems } from "./problems";

/** Reads a whole file that is itself the metadata (notebook, environment), refusing anything past `limit`. */
export async function readWholeFile(path: string, problems: FileProblems, limit: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size > limit) throw problems.tooLarge("content", limit);
    const buffer = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
