/** Which curation and which runs the editor shows against a metadata file. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkspaceModel } from '../../../server/src/lsp/workspaceModel';
import { tempDir } from '../../support/fixtures';
import { sha256Hex, writeTree } from './fixtures';

describe('WorkspaceModel', () => {
  const dir = tempDir('metacurate-workspace-model-');
  const root = dir.path;
  const first = '["dog", "cat"]\n';
  const second = '["dress", "shirt"]\n';
  const summary = (text: string, t: number) =>
    JSON.stringify({ t, metadata: { path: 'x', sha256: sha256Hex(text) } });
  after(() => dir.remove());

  before(() => {
    writeTree(root, {
      'first.metadata.json': first,
      'second.metadata.json': second,
      'one/summary.json': summary(first, 2000),
      'one/counts.json': '{}',
      'two/summary.json': summary(second, 30),
      'two/counts.json': '{}',
      '.metacurate/runs/run-2/run.json': JSON.stringify({ id: 'run-2', curation: { dir: 'two' } }),
    });
  });

  it("gives each metadata file its own curation, and a run only to its curation's list", async () => {
    const model = new WorkspaceModel();
    await model.scan([root]);
    const sha1 = await model.metadataSha256(join(root, 'first.metadata.json'));
    const sha2 = await model.metadataSha256(join(root, 'second.metadata.json'));
    assert.equal(sha1, sha256Hex(first));
    assert.equal(model.activeCuration('file:///first', sha1)?.t, 2000);
    assert.equal(model.activeCuration('file:///second', sha2)?.t, 30);
    assert.equal(model.runMadeWith('run-2', sha2), true);
    assert.equal(model.runMadeWith('run-2', sha1), false);
    assert.equal(model.runMadeWith('run-2', undefined), false);
    assert.equal(model.runMadeWith('no-such-run', sha2), false);
  });

  it('recomputes the sha256 when the file changes, and then shows no curation', async () => {
    const model = new WorkspaceModel();
    await model.scan([root]);
    const path = join(root, 'edited.metadata.json');
    writeFileSync(path, first);
    assert.equal(model.activeCuration('file:///e', await model.metadataSha256(path))?.t, 2000);
    writeFileSync(path, '["dog", "cat", "bird"]\n');
    const changed = await model.metadataSha256(path);
    assert.equal(changed, sha256Hex('["dog", "cat", "bird"]\n'));
    assert.equal(model.activeCuration('file:///e', changed), undefined);
    assert.equal(await model.metadataSha256(join(root, 'missing.json')), undefined);
  });

  it("remembers the user's choice per metadata file, among that file's curations only", async () => {
    writeTree(root, {
      'one-b/summary.json': summary(first, 700),
      'one-b/counts.json': '{}',
    });
    const model = new WorkspaceModel();
    await model.scan([root]);
    const sha1 = sha256Hex(first);
    assert.equal(model.curationsOf(sha1).length, 2);
    model.choose('file:///first', join(root, 'one-b'));
    assert.equal(model.activeCuration('file:///first', sha1)?.t, 700);
    assert.equal(model.activeCuration('file:///other', sha1)?.dir, model.curationsOf(sha1)[0].dir);
    model.choose('file:///first', join(root, 'two'));
    assert.notEqual(model.activeCuration('file:///first', sha1)?.dir, join(root, 'two'));
    model.choose('file:///first', undefined);
    assert.equal(model.chosenDir('file:///first'), undefined);
  });
});
