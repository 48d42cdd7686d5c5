/**
 * Which lists a worldwide metadata folder holds (docs/spec.md section 2, "Worldwide thresholds"):
 * its `provenance.json`, whose `languages` maps each CODE to `{ file, sha256, entries, … }`. Read
 * by the language server (which documents are language lists) and by "Curate Pool…" (which
 * metadata is a worldwide folder).
 */
import { basename } from 'node:path';

export const PROVENANCE_FILE = 'provenance.json';

/** Each language of a folder's provenance: code -> the list's file name. */
export type ProvenanceFiles = Map<string, string>;

/**
 * code -> file of a provenance.json's `languages`: a record's `file`, else the `output.path` the
 * metadata builder (`metacurate metadata build --lang`) records; records without a plain file
 * name are skipped.
 */
export function parseProvenanceFiles(text: string): ProvenanceFiles {
  const out: ProvenanceFiles = new Map();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return out;
  }
  const languages = (value as { languages?: unknown } | null)?.languages;
  if (typeof languages !== 'object' || languages === null) return out;
  for (const [code, info] of Object.entries(languages as Record<string, unknown>)) {
    const record = info as { file?: unknown; output?: { path?: unknown } | null } | null;
    const file = record?.file ?? record?.output?.path;
    // A file name, never a path: the list must lie in the folder itself.
    if (typeof file === 'string' && file === basename(file) && file.endsWith('.json')) out.set(code, file);
  }
  return out;
}
