// Line-by-line comparison of two `match` outputs ({"key","entry_ids"} per line). Identical bytes
// are the fast path; otherwise lines that differ as text are parsed and compared as (key, ids).
import { readFileSync } from 'node:fs';

function splitLines(buf) {
  const text = buf.toString('utf8');
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function sameRecord(a, b) {
  try {
    const x = JSON.parse(a);
    const y = JSON.parse(b);
    return String(x.key) === String(y.key) && JSON.stringify(x.entry_ids) === JSON.stringify(y.entry_ids);
  } catch {
    return false;
  }
}

/**
 * Returns { lines: [linesA, linesB], differing, examples: [{ line, ours, reference }] } where
 * `differing` counts line positions whose records differ (a missing line counts as differing).
 */
export function compareMatchOutputs(oursPath, referencePath, maxExamples = 3) {
  const a = readFileSync(oursPath);
  const b = readFileSync(referencePath);
  if (a.equals(b)) {
    let n = 0;
    for (let i = a.indexOf(10); i !== -1; i = a.indexOf(10, i + 1)) n++;
    return { lines: [n, n], differing: 0, examples: [] };
  }
  const la = splitLines(a);
  const lb = splitLines(b);
  let differing = 0;
  const examples = [];
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] === lb[i]) continue;
    if (la[i] !== undefined && lb[i] !== undefined && sameRecord(la[i], lb[i])) continue;
    differing++;
    if (examples.length < maxExamples)
      examples.push({ line: i, ours: la[i] ?? '(missing)', reference: lb[i] ?? '(missing)' });
  }
  return { lines: [la.length, lb.length], differing, examples };
}

/** Line `index` (0-based) of a text file, for showing the caption behind a disagreement. */
export function lineOf(path, index) {
  const text = readFileSync(path, 'utf8');
  let start = 0;
  for (let i = 0; i < index; i++) {
    start = text.indexOf('\n', start) + 1;
    if (start === 0) return undefined;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end === -1 ? undefined : end);
}
