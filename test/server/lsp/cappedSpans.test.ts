/**
 * A sample line with more entry matches than the editor lists (MAX_SPANS_PER_LINE): hover still
 * answers, and says that the list was cut, never silently.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { HoverRequest, type MarkupContent } from 'vscode-languageserver-protocol';
import { CAPPED_SPANS_NOTE } from '../../../server/src/lsp/spanIndex';
import { tempDir } from '../../support/fixtures';
import { fileUri, startClient, type TestClient } from './client';
import { writeTree } from './fixtures';

describe('lsp protocol: a line with more matches than the editor lists', function () {
  this.timeout(60_000);
  const dir = tempDir('metacurate-lsp-capped-');
  let client: TestClient;

  after(async () => {
    await client?.stop();
    dir.remove();
  });

  it('hovers the first matches at the cursor and says the list was cut', async () => {
    // Entries "x", "x x", ..., 200 x's: a line of 200 x's has 20,100 spans, about 10,000 over
    // its middle token, so the matches covering the middle pass the cap.
    const entries = Array.from({ length: 200 }, (_, i) =>
      Array(i + 1)
        .fill('x')
        .join(' '),
    );
    const line = Array(200).fill('x').join(' ');
    writeTree(dir.path, {
      'metadata.json': JSON.stringify(entries),
      'samples/captions.txt': `${line}\n`,
    });
    client = await startClient({ root: dir.path });
    await client.waitFor('the indexed workspace', () => {
      const s = client.statuses[client.statuses.length - 1];
      return !!s && !s.busy && s.entries === entries.length && s.samplesIndexed === 1;
    });
    const uri = fileUri(join(dir.path, 'samples', 'captions.txt'));
    await client.open(uri, 'plaintext', `${line}\n`);
    const hover = await client.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 200 },
    });
    const text = hover ? (hover.contents as MarkupContent).value : '';
    assert.ok(text.includes(CAPPED_SPANS_NOTE), `hover says the list was cut:\n${text.slice(-500)}`);
    assert.match(text, /\*\*Entry\*\*|`x/);
  });
});
