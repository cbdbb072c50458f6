/**
 * seek-bzip ships no types. Beside its public `decode`, this declares the block-level methods of its decoder
 * class, which bzip2.ts drives one block at a time so it can read the file asynchronously between blocks.
 */
declare module "seek-bzip" {
  interface BunzipInput {
    /** The next byte; the decoder treats a negative value as end of input. */
    readByte(): number;
    read(buffer: Uint8Array, offset: number, length: number): number;
  }

  interface BunzipOutput {
    writeByte(byte: number): void;
  }

  interface BunzipBitReader {
    read(bits: number): number;
  }

  class Bunzip {
    /** Reads the `BZh<level>` stream header. */
    constructor(input: BunzipInput, output: BunzipOutput);
    reader: BunzipBitReader;
    /** The combined CRC of the blocks decoded so far in the current stream. */
    streamCRC: number;
    /** Starts the next stream of a multi-stream file (as pbzip2 writes). */
    _start_bunzip(input: BunzipInput, output: BunzipOutput): void;
    /** Reads and Huffman-decodes the next block; false at the end-of-stream marker. */
    _init_block(): boolean;
    /** Writes the current block's bytes to the output and checks its CRC. */
    _read_bunzip(): number;
    static decode(input: Uint8Array | BunzipInput, output?: number | Uint8Array | BunzipOutput, multistream?: boolean): Buffer | undefined;
  }

  export = Bunzip;
}
