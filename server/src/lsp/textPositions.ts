/**
 * Offsets to LSP positions over a large text, as TextDocument.positionAt computes them, but with
 * the line starts found by indexOf (a native scan) instead of a loop over every character: on a
 * one-line 8 MB metadata list that is most of the cost of the first diagnostics' positions.
 */
import type { Position } from 'vscode-languageserver-protocol';

/** Offset of each line's first character; a line ends at \r\n, \r or \n (as TextDocument). */
export function lineStarts(text: string): Int32Array {
  let starts = new Int32Array(64);
  let count = 1; // starts[0] = 0
  let nextLf = text.indexOf('\n');
  let nextCr = text.indexOf('\r');
  for (;;) {
    let at: number;
    if (nextCr >= 0 && (nextLf < 0 || nextCr < nextLf)) {
      at = nextCr + 1;
      if (text.charCodeAt(at) === 0x0a) at++;
      nextCr = text.indexOf('\r', at);
      if (nextLf >= 0 && nextLf < at) nextLf = text.indexOf('\n', at);
    } else if (nextLf >= 0) {
      at = nextLf + 1;
      nextLf = text.indexOf('\n', at);
    } else break;
    if (count === starts.length) {
      const grown = new Int32Array(count * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[count++] = at;
  }
  return starts.subarray(0, count);
}

/** positionAt of `text` (offsets clamped to it, never between a \r and its \n). */
export function positionsOf(text: string): (offset: number) => Position {
  let starts: Int32Array | undefined;
  return (offset) => {
    starts ??= lineStarts(text);
    offset = Math.max(Math.min(offset, text.length), 0);
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (starts[mid] > offset) high = mid;
      else low = mid + 1;
    }
    const line = low - 1;
    const lineStart = starts[line];
    while (offset > lineStart && isEol(text.charCodeAt(offset - 1))) offset--;
    return { line, character: offset - lineStart };
  };
}

function isEol(c: number): boolean {
  return c === 0x0a || c === 0x0d;
}
