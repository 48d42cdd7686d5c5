/**
 * The select pass's decision for each record of a slice (curateTasks.ts runSelectTask): its ids
 * come from the count pass's matches stream, its fate from (seed, key, entry id) as balance.ts
 * keepRecord draws it. A kept byte record's line is copied as bytes into the line writer's
 * staging and its sidecar line is written as bytes (keptSidecar.ts): nothing is matched again
 * and no record object or key string is made for a default key.
 */
import { keepProbability, keepsWithoutDraw, keptByDraws, keyHashInto, PrefixedKeyHash } from './balance';
import { SidecarLines } from './keptSidecar';
import type { MatchesCursor } from './matchesFile';
import type { ByteRecord } from './pool/byteRecord';
import type { PoolRecord } from './pool/types';

export interface SelectCounts {
  records: number;
  kept: number;
  expectedKept: number;
}

/** Where a kept byte record's line goes: the line writer's staging (write.ts LinePoolWriter). */
export interface KeptLineSink {
  addLine(buf: Uint8Array, start: number, end: number, bom: boolean): void;
}

export class RecordSelector {
  readonly sidecar = new SidecarLines();
  readonly keptPerEntry: Uint32Array;
  readonly result: SelectCounts = { records: 0, kept: 0, expectedKept: 0 };
  private readonly hash: [number, number] = [0, 0];
  private prefixHash: PrefixedKeyHash | undefined;

  constructor(
    private readonly cursor: MatchesCursor,
    private readonly seed: number,
    private readonly p: Float64Array,
    /** Told the first id of each kept record (a worldwide curation's kept per language). */
    private readonly keptTally?: { add(firstId: number): void },
  ) {
    this.keptPerEntry = new Uint32Array(p.length);
  }

  /** A byte record: true when kept (its line is then staged in `lines`, its sidecar line too). */
  byteRecord(record: ByteRecord, lines: KeptLineSink): boolean {
    if (!this.keyedRecord(record.keyValue, record.defaultKeyPrefix, record.index)) return false;
    lines.addLine(record.buf, record.rawStart, record.rawEnd, record.payloadHasBom);
    return true;
  }

  /**
   * A record known by its key: `keyValue` (a --key-field value), or when undefined the default
   * key `<defaultKeyPrefix><index>`, hashed without making it. True when kept (its sidecar line
   * is then staged).
   */
  keyedRecord(keyValue: string | undefined, defaultKeyPrefix: string, index: number): boolean {
    const { cursor, p } = this;
    this.result.records++;
    const n = cursor.advance();
    if (n === 0) return false;
    const ids = cursor.stream;
    const start = cursor.idsStart;
    const end = start + n;
    // keepProbability and keepsWithoutDraw in one pass over p (a cache miss per id).
    let dropAll = 1;
    let kept = false;
    for (let i = start; i < end; i++) {
      const pe = p[ids[i]];
      dropAll *= 1 - pe;
      if (pe >= 1) kept = true;
    }
    const probability = 1 - dropAll;
    this.result.expectedKept += probability;
    if (!kept) {
      if (keyValue === undefined) {
        if (this.prefixHash === undefined || this.prefixHash.prefix !== defaultKeyPrefix)
          this.prefixHash = new PrefixedKeyHash(this.seed, defaultKeyPrefix);
        this.prefixHash.hashInto(index, this.hash);
      } else keyHashInto(this.seed, keyValue, this.hash);
      kept = keptByDraws(this.hash, ids, p, start, end);
    }
    if (!kept) return false;
    this.keep(ids, start, end);
    if (keyValue === undefined)
      this.sidecar.addDefaultKey(defaultKeyPrefix, index, ids, start, end, probability);
    else this.sidecar.addKey(keyValue, ids, start, end, probability);
    return true;
  }

  /** A record read as a PoolRecord: true when kept (its sidecar line is then staged). */
  poolRecord(record: PoolRecord): boolean {
    const { cursor, p } = this;
    this.result.records++;
    const n = cursor.advance();
    if (n === 0) return false;
    const ids = cursor.stream;
    const start = cursor.idsStart;
    const end = start + n;
    const probability = keepProbability(ids, p, start, end);
    this.result.expectedKept += probability;
    let kept = keepsWithoutDraw(ids, p, start, end);
    if (!kept) {
      keyHashInto(this.seed, record.key, this.hash);
      kept = keptByDraws(this.hash, ids, p, start, end);
    }
    if (!kept) return false;
    this.keep(ids, start, end);
    this.sidecar.addKey(record.key, ids, start, end, probability);
    return true;
  }

  private keep(ids: Uint32Array, start: number, end: number): void {
    this.result.kept++;
    this.keptTally?.add(ids[start]);
    for (let i = start; i < end; i++) this.keptPerEntry[ids[i]]++;
  }
}
