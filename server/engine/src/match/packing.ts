/**
 * Packs named typed arrays into one SharedArrayBuffer with a JSON header, and back.
 * The packed form is at once the on-disk cache format and what workers receive (shared, not
 * copied), so a cached index is usable straight after one read of its file.
 *
 * Layout: "MCPACK01" (8 bytes), u32 header length, header JSON, zero padding to 8, then the
 * data area with each array at an 8-aligned offset (offsets in the header are data-relative).
 */
type TypedArray = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;
const CONSTRUCTORS = { Int32Array, Uint32Array, Uint16Array, Uint8Array, Float64Array } as const;
type TypeName = keyof typeof CONSTRUCTORS;

const MAGIC = 'MCPACK01';

interface PackHeader {
  meta: Record<string, unknown>;
  arrays: { name: string; type: TypeName; offset: number; length: number }[];
}

export interface Unpacked {
  meta: Record<string, unknown>;
  arrays: Record<string, TypedArray>;
}

const align8 = (n: number) => (n + 7) & ~7;

export function packArrays(
  meta: Record<string, unknown>,
  arrays: Record<string, TypedArray>,
): SharedArrayBuffer {
  // Offsets in the header are relative to the data area, which starts after the header.
  const header: PackHeader = { meta, arrays: [] };
  let offset = 0;
  for (const [name, arr] of Object.entries(arrays)) {
    header.arrays.push({ name, type: arr.constructor.name as TypeName, offset, length: arr.length });
    offset = align8(offset + arr.byteLength);
  }
  const headerBytes = Buffer.from(JSON.stringify(header));
  const dataStart = align8(12 + headerBytes.length);
  const sab = new SharedArrayBuffer(dataStart + offset);
  const bytes = new Uint8Array(sab);
  bytes.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(sab).setUint32(8, headerBytes.length, true);
  bytes.set(headerBytes, 12);
  for (const a of header.arrays) {
    const src = arrays[a.name];
    bytes.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), dataStart + a.offset);
  }
  return sab;
}

export function unpackArrays(buffer: SharedArrayBuffer | ArrayBuffer): Unpacked {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 12 || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== MAGIC) {
    throw new Error('not a packed index (bad magic)');
  }
  const headerLength = new DataView(buffer).getUint32(8, true);
  const header = JSON.parse(
    Buffer.from(bytes.subarray(12, 12 + headerLength)).toString('utf8'),
  ) as PackHeader;
  const dataStart = align8(12 + headerLength);
  const arrays: Record<string, TypedArray> = {};
  for (const a of header.arrays) {
    const Ctor = CONSTRUCTORS[a.type];
    const at = dataStart + a.offset;
    if (!Ctor || at + a.length * Ctor.BYTES_PER_ELEMENT > buffer.byteLength) {
      throw new Error(`packed index is truncated or corrupt at array ${a.name}`);
    }
    arrays[a.name] = new Ctor(buffer as ArrayBuffer, at, a.length);
  }
  return { meta: header.meta, arrays };
}
