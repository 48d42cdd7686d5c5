/**
 * The entry-balance model over JSON-RPC (the language server's `metacurate/balance`): each typed
 * array as base64 of its bytes, so that millions of ids travel as one string, not a number list.
 * Node only (Buffer): imported by the language server and the extension host, never the webview.
 */
import type { BalanceModel } from './balanceModel';

/** A BalanceModel with each typed array as `{ type, base64 }`. */
export type EncodedBalanceModel = {
  [K in keyof BalanceModel]: BalanceModel[K] extends number ? number : EncodedArray;
};

export interface EncodedArray {
  type: 'f64' | 'u32';
  base64: string;
}

function encodeArray(a: Float64Array | Uint32Array): EncodedArray {
  return {
    type: a instanceof Float64Array ? 'f64' : 'u32',
    base64: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64'),
  };
}

function decodeArray(e: EncodedArray): Float64Array | Uint32Array {
  const bytes = Buffer.from(e.base64, 'base64');
  // A fresh, aligned buffer of its own (the webview gets it transferred).
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return e.type === 'f64' ? new Float64Array(copy) : new Uint32Array(copy);
}

export function encodeBalanceModel(model: BalanceModel): EncodedBalanceModel {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(model))
    out[key] = value instanceof Float64Array || value instanceof Uint32Array ? encodeArray(value) : value;
  return out as EncodedBalanceModel;
}

export function decodeBalanceModel(encoded: EncodedBalanceModel): BalanceModel {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(encoded))
    out[key] = typeof value === 'object' && value !== null ? decodeArray(value) : value;
  return out as unknown as BalanceModel;
}
