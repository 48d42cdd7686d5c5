/**
 * The positions of the diagnostics' fast line table are TextDocument's, on every kind of line
 * break (\n, \r\n, a lone \r, a break at either end) and every offset, including the ones between
 * a \r and its \n and past either end.
 */
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { lineStarts, positionsOf } from '../../../server/src/lsp/textPositions';
import { mulberry32 } from '../../support/fixtures';

function assertSamePositions(text: string): void {
  const doc = TextDocument.create('file:///m/metadata.json', 'json', 1, text);
  const positionAt = positionsOf(text);
  for (let offset = -2; offset <= text.length + 2; offset++) {
    assert.deepEqual(
      positionAt(offset),
      doc.positionAt(offset),
      `offset ${offset} of ${JSON.stringify(text)}`,
    );
  }
}

describe('lsp text positions', () => {
  it('finds the line starts of \\n, \\r\\n and a lone \\r', () => {
    assert.deepEqual([...lineStarts('')], [0]);
    assert.deepEqual([...lineStarts('a\nb\r\nc\rd')], [0, 2, 5, 7]);
    assert.deepEqual([...lineStarts('\r\n\n\r\r')], [0, 2, 3, 4, 5]);
  });

  it('gives TextDocument.positionAt for every offset of hand-picked texts', () => {
    for (const text of ['', 'abc', '\n', '\r', '\r\n', 'a\r\nb', '["a",\r\n "b"]\r\n', '\n\r\n\r\r\n\n'])
      assertSamePositions(text);
  });

  it('gives TextDocument.positionAt for every offset of random texts', () => {
    const rand = mulberry32(17);
    const alphabet = ['a', ' ', '"', '\n', '\r', '\r\n', 'é', '😀'];
    for (let round = 0; round < 200; round++) {
      let text = '';
      const length = Math.floor(rand() * 40);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      assertSamePositions(text);
    }
  });

  it('grows past many lines', () => {
    assertSamePositions('x\n'.repeat(300));
  });
});
