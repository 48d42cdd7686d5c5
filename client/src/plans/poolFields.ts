/**
 * The caption fields a pool file offers, read from its head (the first JSONL record with string
 * fields, or the CSV/TSV header), for the text-field pick of "Curate Pool…".
 */
import { promises as fsp } from 'node:fs';

/** How much of a file is read: a record or a header longer than this offers no fields. */
const HEAD_BYTES = 64 * 1024;

/** Candidate caption fields of a pool file; [] for other formats and unreadable files. */
export async function fieldsOf(path: string): Promise<string[]> {
  const lower = path.toLowerCase();
  if (!/\.(jsonl|csv|tsv)$/.test(lower)) return [];
  let head: string;
  try {
    const handle = await fsp.open(path, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      head = buf.toString('utf8', 0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
  return fieldsOfHead(lower.endsWith('.jsonl') ? 'jsonl' : lower.endsWith('.tsv') ? 'tsv' : 'csv', head);
}

/** The fields of a file's first bytes: string fields of the first whole JSONL object, or the header's columns. */
export function fieldsOfHead(format: 'jsonl' | 'csv' | 'tsv', head: string): string[] {
  if (format === 'jsonl') {
    for (const line of head.split('\n')) {
      try {
        const obj = JSON.parse(line) as unknown;
        if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
          const record = obj as Record<string, unknown>;
          return Object.keys(record).filter((k) => typeof record[k] === 'string');
        }
      } catch {
        // a blank or cut line
      }
    }
    return [];
  }
  const lineEnd = head.indexOf('\n');
  const first = (lineEnd >= 0 ? head.slice(0, lineEnd) : head).replace(/\r$/, '');
  return first
    .split(format === 'tsv' ? '\t' : ',')
    .map((c) => c.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
}
