/** The part of seek-bzip (pure-JS bzip2 decoder, no bundled types) that bz2.ts uses. */
declare module 'seek-bzip' {
  interface ByteSink {
    writeByte(byte: number): void;
  }
  interface SeekBzip {
    /** Decodes a whole .bz2 buffer; `multistream` continues past the first stream. */
    decode(input: Buffer, output?: Buffer | number, multistream?: boolean): Buffer;
    /** Decodes the one block whose magic starts at bit `bitPosition` of `input` (which must start with a stream header). */
    decodeBlock(input: Buffer, bitPosition: number, output: ByteSink): void;
  }
  const Bunzip: SeekBzip;
  export = Bunzip;
}
